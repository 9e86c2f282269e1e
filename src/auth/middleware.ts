// Authentication middleware: a valid bearer token (or, on WebSocket upgrades, which browsers cannot
// give headers, a single-use ?ticket= or a ?token=) of a session that still exists sets
// c.var.user; anything else is 401. One D1 query (users joined with sessions) per request.
import { createMiddleware } from "hono/factory";
import type { AppEnv, AuthUser } from "../http/app-env";
import { ApiError } from "../http/errors";
import { consumeTicket, sessionUser } from "./sessions";
import { readToken } from "./tokens";

const unauthorized = (detail: string) =>
  new ApiError(401, "unauthorized", detail, { headers: { "WWW-Authenticate": 'Bearer realm="edge-chat"' } });

export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization");
  const upgrade = c.req.header("Upgrade")?.toLowerCase() === "websocket";
  let token: string | undefined;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw unauthorized("Authorization header must be 'Bearer <token>'");
    token = m[1];
  } else if (upgrade && c.req.query("ticket") !== undefined) {
    const spent = await consumeTicket(c.env, c.req.query("ticket")!);
    if (!spent) throw unauthorized("Invalid, expired or already used ticket");
    const user = await sessionUser(c.env, spent.claims, spent.expiresAt, (p) => c.executionCtx.waitUntil(p));
    if (!user) throw unauthorized("Invalid or expired ticket");
    c.set("user", user);
    return next();
  } else if (upgrade) {
    token = c.req.query("token");
  }
  if (!token) throw unauthorized("Not authenticated");
  const user = await userFromToken(c.env, token, (p) => c.executionCtx.waitUntil(p));
  if (!user) throw unauthorized("Invalid or expired token");
  c.set("user", user);
  await next();
});

/**
 * The user a token stands for, or null (bad signature, expired, its session ended, revoked by a
 * password change, or the account is gone). Every door's authentication ends here, whatever header
 * shape it reads.
 */
export async function userFromToken(env: Env, token: string, waitUntil: (p: Promise<unknown>) => void): Promise<AuthUser | null> {
  const claims = await readToken(env, token);
  if (!claims) return null;
  return sessionUser(env, claims, claims.exp * 1000, waitUntil);
}
