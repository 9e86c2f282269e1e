// Authentication middleware: a valid bearer token (or ?token= on WebSocket upgrades, which
// browsers cannot give headers) for a user that still exists sets c.var.user; anything else is 401.
import { eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { getDb } from "../db/client";
import { users } from "../db/schema";
import type { AppEnv, AuthUser } from "../http/app-env";
import { ApiError } from "../http/errors";
import { readToken } from "./tokens";

const unauthorized = (detail: string) =>
  new ApiError(401, "unauthorized", detail, { headers: { "WWW-Authenticate": 'Bearer realm="edge-chat"' } });

export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("Authorization");
  let token: string | undefined;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw unauthorized("Authorization header must be 'Bearer <token>'");
    token = m[1];
  } else if (c.req.header("Upgrade")?.toLowerCase() === "websocket") {
    token = c.req.query("token");
  }
  if (!token) throw unauthorized("Not authenticated");
  const user = await userFromToken(c.env, token);
  if (!user) throw unauthorized("Invalid or expired token");
  c.set("user", user);
  await next();
});

/**
 * The user a token stands for, or null (bad signature, expired, revoked by a password change, or
 * the account is gone). Every door's authentication ends here, whatever header shape it reads.
 */
export async function userFromToken(env: Env, token: string): Promise<AuthUser | null> {
  const claims = await readToken(env, token);
  if (!claims) return null;
  const row = await getDb(env.DB)
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      email: users.email,
      isAdmin: users.isAdmin,
      tokenVersion: users.tokenVersion,
    })
    .from(users)
    .where(eq(users.id, claims.userId))
    .get();
  if (!row || row.tokenVersion !== claims.ver) return null;
  return row;
}
