// Document 004's envelope: success is {"code": 0, "info": "Succeed", ...data}; every failure is
// {"code": <number>, "info": "<text>"} with the HTTP status of the document's error tables. Core
// refusals (a service's ApiError) are translated here, by their core code, into the document's
// numbers (codes.ts).
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { ApiError, normalizeError } from "../../http/errors";
import type { z } from "@hono/zod-openapi";
import { COMMON, DOC004_ERRORS, type CodeMap, type Doc004Code } from "./codes";
import type { Empty, Model, Succeeded } from "./models";

export const DOC004_PREFIX = "/user";

export type { CodeMap } from "./codes";

/** A failure in the document's words; rendered by app.onError like every other error. */
export const fail = (code: Doc004Code) => {
  const [status, info] = DOC004_ERRORS[code];
  return new ApiError(status, "dialect", info, { doc004: code });
};

/**
 * A core refusal in the document's words: by its core code through `map` (then the codes every
 * call site reads the same way); a refusal the document has no row for keeps the core's status
 * and says what happened in `info` (code 3). Errors the door already raised in the document's
 * words pass through; anything but an ApiError is the core's 500.
 */
export function translate(err: unknown, map: CodeMap = {}): ApiError {
  if (err instanceof ApiError && typeof err.extra.doc004 === "number") return err;
  const e = normalizeError(err instanceof Error ? err : new Error(String(err)));
  const mapped = map[e.code] ?? COMMON[e.code];
  if (mapped !== undefined) return fail(mapped);
  if (e.status === 401) return fail(1);
  const retry = e.extra.headers?.["Retry-After"];
  return new ApiError(e.status, e.code || "error", e.detail, { doc004: 3, headers: retry ? { "Retry-After": retry } : {} });
}

/** What a service returns, or its refusal in the document's words (translate). */
export async function as004<T>(call: Promise<T>, map: CodeMap = {}): Promise<T> {
  try {
    return await call;
  } catch (e) {
    throw translate(e, map);
  }
}

/** Several services at once, their refusals reported in the order given (as if called one by one). */
export async function settleAll<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }, map: CodeMap = {}): Promise<T> {
  const done = await Promise.allSettled(work.map((w) => as004(w as Promise<unknown>, map)));
  const failed = done.find((d) => d.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return done.map((d) => (d as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** A success: "//" (nothing beside the envelope), or the data of the endpoint's model (models.ts), typed by it. */
export function ok(c: Context<AppEnv>): ReturnType<typeof reply<typeof Empty>>;
export function ok<M extends Model>(c: Context<AppEnv>, model: M, data: z.infer<M>): ReturnType<typeof reply<M>>;
export function ok<M extends Model>(c: Context<AppEnv>, _model?: M, data?: z.infer<M>) {
  return reply<M>(c, (data ?? {}) as z.infer<M>);
}
const reply = <M extends Model>(c: Context<AppEnv>, data: z.infer<M>) => c.json({ code: 0, info: "Succeed", ...data } as Succeeded<M>, 200);

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
