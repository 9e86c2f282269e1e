// Sessions: every login opens one (openSession, the one entry point for every login route, dialects
// included); every access token names its session (`sid`), and the request check joins users with
// sessions in ONE query, so ending a session ends its tokens at once. Short sessions renew
// short-lived access tokens with a rotating refresh token (reuse of a rotated one ends the
// session); legacy ones carry a single long-lived token for clients that know no refresh.
// Also the single-use socket tickets. The full write-up is docs/security.md.
import { and, eq, gt, lt, ne, sql } from "drizzle-orm";
import { batchRun, getDb, type Db } from "../db/client";
import { refreshTokens, roomMembers, sessions, socketTickets, users } from "../db/schema";
import type { AuthUser } from "../http/app-env";
import { ApiError } from "../http/errors";
import { signAccessToken, type Claims } from "./tokens";

export type Lifetime = "short" | "legacy";

const seconds = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
};
/** Access tokens of short sessions (ACCESS_TOKEN_TTL_SECONDS, default 15 min). */
export const accessTtl = (env: Env) => seconds(env.ACCESS_TOKEN_TTL_SECONDS, 900);
/** Refresh tokens: a short session ends when none was used for this long (default 30 days). */
export const refreshTtl = (env: Env) => seconds(env.REFRESH_TOKEN_TTL_SECONDS, 30 * 86_400);
/** The one token of a legacy session (JWT_TTL_SECONDS, default 24 h, as before sessions). */
export const legacyTtl = (env: Env) => seconds(env.JWT_TTL_SECONDS, 86_400);
/** Socket tickets live this long and are good for one socket. */
export const TICKET_TTL_SECONDS = 30;
/** last_used_at is written at most this often per session (a write per request would be wasteful). */
const TOUCH_EVERY_MS = 60_000;

const iso = (ms: number) => new Date(ms).toISOString();
const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const randomToken = (bytes: number) => b64url(crypto.getRandomValues(new Uint8Array(bytes)));
/** Tokens are stored as their SHA-256: a copy of the table opens nothing. */
export const digest = async (s: string) => b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))));

export type OpenedSession = {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  session_id: string;
  refresh_token?: string;
  refresh_expires_in?: number;
};

/**
 * Opens a session for a user who just proved who they are, and returns its first tokens. "short":
 * a short-lived access token and a refresh token (core login and registration); "legacy": one
 * long-lived access token and no refresh (logins of clients that know no refresh). Every login
 * path calls this; none signs a token itself.
 */
export async function openSession(
  env: Env,
  user: { id: number; tokenVersion: number },
  opts: { request: Request; lifetime: Lifetime },
): Promise<OpenedSession> {
  const now = Date.now();
  const id = randomToken(16);
  const short = opts.lifetime === "short";
  const sessionTtl = short ? refreshTtl(env) : legacyTtl(env);
  const refresh = short ? randomToken(32) : null;
  const refreshHash = refresh ? await digest(refresh) : null;
  const db = getDb(env.DB);
  const session = db.insert(sessions).values({
    id,
    userId: user.id,
    kind: opts.lifetime,
    refreshHash,
    createdAt: iso(now),
    lastUsedAt: iso(now),
    expiresAt: iso(now + sessionTtl * 1000),
    userAgent: opts.request.headers.get("User-Agent")?.slice(0, 256) ?? null,
    ip: opts.request.headers.get("CF-Connecting-IP"),
  });
  // Housekeeping rides along: the user's expired sessions go (their rows cascade).
  const expired = db.delete(sessions).where(and(eq(sessions.userId, user.id), lt(sessions.expiresAt, iso(now))));
  if (refreshHash) await db.batch([expired, session, db.insert(refreshTokens).values({ hash: refreshHash, sessionId: id, createdAt: iso(now) })]);
  else await db.batch([expired, session]);
  const nowS = Math.floor(now / 1000);
  const exp = nowS + (short ? accessTtl(env) : sessionTtl);
  return {
    access_token: await signAccessToken(env, { userId: user.id, ver: user.tokenVersion, sid: id, exp }),
    token_type: "bearer",
    expires_in: exp - nowS,
    session_id: id,
    ...(refresh && { refresh_token: refresh, refresh_expires_in: sessionTtl }),
  };
}

/**
 * A new access token for a session that goes on (after a password change, for the session that
 * made it): as long-lived as the session's kind gives, never past the session's end.
 */
export async function reissueAccessToken(env: Env, user: { id: number; tokenVersion: number }, session: AuthUser) {
  const nowS = Math.floor(Date.now() / 1000);
  const end = Math.floor(session.sessionExpiresAt / 1000);
  const exp = session.sessionKind === "legacy" ? end : Math.min(nowS + accessTtl(env), end);
  return { access_token: await signAccessToken(env, { userId: user.id, ver: user.tokenVersion, sid: session.sessionId, exp }), token_type: "bearer" as const, expires_in: exp - nowS };
}

const invalidRefresh = () => new ApiError(401, "invalid_refresh_token", "Invalid or expired refresh token");

/**
 * Rotates a refresh token: the presented one is spent, a new one and a new access token come back.
 * A token that was already rotated (or is presented twice at once) answers `reused`, naming the
 * session, which the caller ends (auth/service.ts: it also closes the session's sockets).
 */
export async function refreshSession(env: Env, refreshToken: string) {
  const now = Date.now();
  const hash = await digest(refreshToken);
  const db = getDb(env.DB);
  const row = await db
    .select({ sid: sessions.id, current: sessions.refreshHash, expiresAt: sessions.expiresAt, userId: users.id, ver: users.tokenVersion })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(refreshTokens.hash, hash))
    .get();
  if (!row || row.expiresAt <= iso(now)) throw invalidRefresh();
  const reused = { reused: { userId: row.userId, sid: row.sid } };
  if (row.current !== hash) return reused;
  const next = randomToken(32);
  const nextHash = await digest(next);
  const ttl = refreshTtl(env);
  const [rotated] = await db.batch([
    // Conditional on the token still being current: of two concurrent uses, one rotates.
    db
      .update(sessions)
      .set({ refreshHash: nextHash, lastUsedAt: iso(now), expiresAt: iso(now + ttl * 1000) })
      .where(and(eq(sessions.id, row.sid), eq(sessions.refreshHash, hash)))
      .returning({ id: sessions.id }),
    batchRun(db, sql`INSERT INTO ${refreshTokens} (hash, session_id, created_at)
      SELECT ${nextHash}, ${row.sid}, ${iso(now)} WHERE EXISTS (SELECT 1 FROM ${sessions} WHERE id = ${row.sid} AND refresh_hash = ${nextHash})`),
    // Tokens older than a refresh lifetime could not be used anyway: they need not be remembered.
    db.delete(refreshTokens).where(and(eq(refreshTokens.sessionId, row.sid), lt(refreshTokens.createdAt, iso(now - ttl * 1000)))),
  ]);
  if (!rotated.length) return reused;
  const nowS = Math.floor(now / 1000);
  const exp = nowS + accessTtl(env);
  return {
    access_token: await signAccessToken(env, { userId: row.userId, ver: row.ver, sid: row.sid, exp }),
    token_type: "bearer" as const,
    expires_in: exp - nowS,
    session_id: row.sid,
    refresh_token: next,
    refresh_expires_in: ttl,
  };
}

/**
 * The request check: the user behind a verified token, if its session still exists, in ONE query
 * (users joined with sessions). `expiresAt`: when this credential stops (ms), which sockets keep.
 */
export async function sessionUser(env: Env, claims: Claims, expiresAt: number, waitUntil: (p: Promise<unknown>) => void): Promise<AuthUser | null> {
  const now = Date.now();
  const row = await getDb(env.DB)
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      email: users.email,
      isAdmin: users.isAdmin,
      tokenVersion: users.tokenVersion,
      lastUsedAt: sessions.lastUsedAt,
      sessionKind: sessions.kind,
      sessionExpiresAt: sessions.expiresAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, claims.sid), eq(sessions.userId, claims.userId), gt(sessions.expiresAt, iso(now))))
    .get();
  if (!row || row.tokenVersion !== claims.ver) return null;
  if (now - Date.parse(row.lastUsedAt) > TOUCH_EVERY_MS)
    waitUntil(
      getDb(env.DB)
        .update(sessions)
        .set({ lastUsedAt: iso(now) })
        .where(eq(sessions.id, claims.sid))
        .run()
        .catch((e) => console.warn("session last_used_at not written", e)),
    );
  const { lastUsedAt: _, sessionExpiresAt, ...user } = row;
  const end = Date.parse(sessionExpiresAt);
  return { ...user, sessionId: claims.sid, sessionExpiresAt: end, expiresAt: Math.min(expiresAt, end) };
}

/** A single-use ticket for one socket, valid TICKET_TTL_SECONDS, bound to the caller's session. */
export async function issueTicket(env: Env, user: AuthUser) {
  const ticket = randomToken(24);
  const now = Date.now();
  const db = getDb(env.DB);
  await db.batch([
    // Spent and expired tickets of anyone go as new ones are made: the table stays small.
    db.delete(socketTickets).where(lt(socketTickets.expiresAt, iso(now))),
    db.insert(socketTickets).values({
      hash: await digest(ticket),
      sessionId: user.sessionId,
      userId: user.id,
      tokenVersion: user.tokenVersion,
      expiresAt: iso(now + TICKET_TTL_SECONDS * 1000),
    }),
  ]);
  return { ticket, expires_in: TICKET_TTL_SECONDS };
}

/**
 * Spends a ticket: one conditional DELETE ... RETURNING, so across isolates exactly one socket
 * gets it. The socket then lives as long as the session (ticket sockets are for browsers, which
 * renew with tickets, not tokens).
 */
export async function consumeTicket(env: Env, ticket: string): Promise<{ claims: Claims; expiresAt: number } | null> {
  const now = Date.now();
  const row = await getDb(env.DB)
    .delete(socketTickets)
    .where(and(eq(socketTickets.hash, await digest(ticket)), gt(socketTickets.expiresAt, iso(now))))
    .returning()
    .get();
  if (!row) return null;
  return { claims: { userId: row.userId, ver: row.tokenVersion, sid: row.sessionId, exp: Number.MAX_SAFE_INTEGER }, expiresAt: Number.MAX_SAFE_INTEGER };
}

export type SessionInfo = {
  id: string;
  kind: Lifetime;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
};

export async function listSessions(env: Env, user: AuthUser): Promise<SessionInfo[]> {
  const rows = await getDb(env.DB)
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, user.id), gt(sessions.expiresAt, iso(Date.now()))))
    .orderBy(sql`${sessions.lastUsedAt} DESC`)
    .all();
  return rows.map((s) => ({
    id: s.id,
    kind: s.kind,
    created_at: s.createdAt,
    last_used_at: s.lastUsedAt,
    expires_at: s.expiresAt,
    user_agent: s.userAgent,
    ip: s.ip,
    current: s.id === user.sessionId,
  }));
}
