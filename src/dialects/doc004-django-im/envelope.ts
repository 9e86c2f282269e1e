// Document 004's envelope: success is {"code": 0, "info": "Succeed", ...data}; every failure is
// {"code": <number>, "info": "<text>"} with the HTTP status of the document's error tables. Core
// refusals are translated here, by their core code, into the document's numbers (codes.ts).
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../http/app-env";
import type { Code } from "../../http/codes";
import { ApiError } from "../../http/errors";
import type { CoreReply } from "../in-process";
import { COMMON, DOC004_ERRORS, type CodeMap, type Doc004Code } from "./codes";

export const DOC004_PREFIX = "/user";

export type { CodeMap } from "./codes";

/** A failure in the document's words; rendered by app.onError like every other error. */
export const fail = (code: Doc004Code) => {
  const [status, info] = DOC004_ERRORS[code];
  return new ApiError(status, "dialect", info, { doc004: code });
};

/**
 * The body of a successful core reply, or the document's error for a refusal. A refusal the
 * document has no row for keeps the core's status and says what happened in `info` (code 3).
 */
export function expectOk<T = any>(reply: CoreReply<T>, map: CodeMap = {}): T {
  if (reply.ok) return reply.body;
  const coreCode = (reply.body as { code?: Code } | null)?.code ?? "error";
  const mapped = map[coreCode] ?? COMMON[coreCode];
  if (mapped !== undefined) throw fail(mapped);
  if (reply.status === 401) throw fail(1);
  const detail = (reply.body as { detail?: string } | null)?.detail ?? "Request failed";
  const headers: Record<string, string> = {};
  const retry = reply.headers.get("Retry-After");
  if (retry) headers["Retry-After"] = retry;
  throw new ApiError(reply.status as ContentfulStatusCode, coreCode || "error", detail, { doc004: 3, headers });
}

export const ok = (c: Context<AppEnv>, data: Record<string, unknown> = {}) => c.json({ code: 0, info: "Succeed", ...data }, 200);

export const isDoc004Path = (path: string) => path === DOC004_PREFIX || path.startsWith(`${DOC004_PREFIX}/`);

/** The document's error body for any error (the dialect router's onError): no core {detail} shape leaks through. */
export function envelope004(e: ApiError): Record<string, unknown> {
  const own = typeof e.extra.doc004 === "number" ? e.extra.doc004 : null;
  const code = own ?? (e.status === 401 ? 1 : e.status >= 500 ? 500 : 3);
  // A row of the table speaks its own text; a refusal without a row says what happened.
  const info = code === 3 && (own === null || e.code === "dialect") ? (e.status === 400 ? "Invalid request" : e.detail) : e.detail;
  return { code, info };
}

/** Django's own answers, which the document keeps without a number of its own: the HTTP status stands in. */
export const notFound004 = (c: Context) => c.json({ code: 404, info: "Not Found" }, 404);
export const methodNotAllowed004 = (c: Context, methods: string[]) =>
  c.json({ code: 405, info: "Method Not Allowed" }, 405, { Allow: methods.join(", ") });
