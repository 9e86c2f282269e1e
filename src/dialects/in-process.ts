// How a dialect reaches the core: through the core's own routes, in process (no network hop).
// Every rule (authentication, validation, authorization, limits, storage, fan-out) then runs
// exactly as it does for a core client, so a dialect only translates requests and replies.
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";

/** What a dialect needs of the core app: its fetch. */
export type Core = { fetch: (request: Request, env: Env, ctx: Context["executionCtx"]) => Response | Promise<Response> };

export type CoreReply<T = any> = { ok: boolean; status: number; body: T; headers: Headers };

export type CoreCall = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Under /api/v1, with its query string. */
  path: string;
  /** The caller's token (sent as Bearer); absent for public routes. */
  token?: string;
  json?: unknown;
  /** A multipart form (uploads), or URL-encoded fields (the OAuth2 password login). */
  form?: FormData | URLSearchParams;
};

/** Query string from defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * One call into the core. The caller's address and client travel along (logins record them);
 * nothing else of the outer request does.
 */
export async function callCore(core: Core, c: Context<AppEnv>, call: CoreCall): Promise<CoreReply> {
  const headers = new Headers();
  if (call.token) headers.set("Authorization", `Bearer ${call.token}`);
  for (const h of ["CF-Connecting-IP", "User-Agent"]) {
    const v = c.req.header(h);
    if (v) headers.set(h, v);
  }
  let body: BodyInit | undefined;
  if (call.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(call.json);
  } else if (call.form) {
    // Uploads are streamed by the core and need their length up front: the form is encoded here.
    const encoded = new Request("https://form.internal/", { method: "POST", body: call.form });
    headers.set("Content-Type", encoded.headers.get("Content-Type")!);
    body = await encoded.arrayBuffer();
    headers.set("Content-Length", String(body.byteLength));
  }
  const origin = new URL(c.req.url).origin;
  const res = await core.fetch(new Request(`${origin}/api/v1${call.path}`, { method: call.method, headers, body }), c.env, c.executionCtx);
  const type = res.headers.get("Content-Type") ?? "";
  const parsed = type.includes("application/json") ? await res.json() : res.status === 204 ? null : await res.arrayBuffer();
  return { ok: res.ok, status: res.status, body: parsed, headers: res.headers };
}

/**
 * A path alias: the same request (method, headers, query, streamed body) served by the core route
 * at `path`. `status` replaces a success status where the document names another (204).
 */
export async function forward(core: Core, c: Context<AppEnv>, path: string, opts: { status?: 204 } = {}): Promise<Response> {
  const url = new URL(c.req.url);
  url.pathname = `/api/v1${path}`;
  const res = await core.fetch(new Request(url, c.req.raw), c.env, c.executionCtx);
  if (opts.status === 204 && res.ok) return new Response(null, { status: 204 });
  return res;
}

/** The token of a Bearer Authorization header, to call the core as the same user. */
export const bearerToken = (c: Context<AppEnv>) => /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
