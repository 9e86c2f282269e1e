// Getting in and out, for every door: registration, the logins (a short session with a refresh
// token, or one long-lived token for clients that know no refresh), checking a password
// (throttled, constant-time), refresh, logout, the session list and socket tickets. Sessions and
// tokens themselves are ./sessions.ts; reading a token is ./middleware.ts.
import type { z } from "@hono/zod-openapi";
import { and, eq, ne, sql } from "drizzle-orm";
import { getDb, type Db } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { roomMembers, sessions, users } from "../db/schema";
import { ApiError, conflict } from "../http/errors";
import { clientAddress, RULES, throttle } from "../http/throttle";
import { countFailure, refuseIfLocked, signInKeys } from "./guesses";
import type { Caller } from "../messages/common";
import type { HubClosing } from "../realtime/protocol";
import { hubStub } from "../realtime/push";
import { retryOnce, roomStub } from "../room/client";
import { toUserResponse } from "../users/schemas";
import { assertPasswordPolicy, hashPassword, verifyAgainstNothing, verifyPassword } from "./password";
import type { Register, Tokens } from "./schemas";
import { issueTicket, listSessions, openSession, refreshSession } from "./sessions";

/** Someone not signed in: the worker's bindings. */
export type Visitor = { env: Env };

const bad = () => new ApiError(401, "invalid_credentials", "Incorrect username or password");

/**
 * Checks a username and password (throttled, constant-time) for every login, dialects included.
 * `request`: the caller's request, whose address is throttled and recorded with the login.
 */
export async function authenticate(env: Env, name: string, pw: string, request: Request) {
  // Only failures count (./guesses.ts): per account *and* address, so a stranger elsewhere never
  // locks the owner out, and per address across accounts. A lock is read before the password is
  // hashed, so a throttled guess costs no PBKDF2; a correct password writes nothing.
  const db = getDb(env.DB);
  const keys = signInKeys(env, name, clientAddress(request));
  await refuseIfLocked(db, keys, "failed sign-ins");
  const user = await db
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${name})`)
    .get();
  const ok = user ? await verifyPassword(pw, user) : (await verifyAgainstNothing(pw), false);
  if (!user || !ok) throw (await countFailure(db, env, keys), bad());
  await db.update(users).set(loginFacts(request)).where(eq(users.id, user.id)).run();
  return user;
}

/** When, from where and with what a user logs in (the reference specs' user IP lookup). */
const loginFacts = (request: Request) => ({
  lastLoginAt: new Date().toISOString(),
  // The client's address as Cloudflare saw it (absent locally).
  lastIp: request.headers.get("CF-Connecting-IP"),
  lastUserAgent: request.headers.get("User-Agent")?.slice(0, 512) ?? null,
});

/** Core logins and registration: a short session (access + refresh token). */
async function openShort(env: Env, user: { id: number; tokenVersion: number }, request: Request) {
  const s = await openSession(env, user, { request, lifetime: "short" });
  return { ...s, refresh_token: s.refresh_token!, refresh_expires_in: s.refresh_expires_in! };
}

/** Creates an account (409 username_taken) and signs it in. Throttled per address. */
export async function register(c: Visitor, body: z.infer<typeof Register>, request: Request): Promise<Tokens> {
  const address = clientAddress(request);
  if (address) await throttle(c.env, RULES.register, address);
  assertPasswordPolicy(c.env, body.password, "body.password");
  let user;
  try {
    user = await getDb(c.env.DB)
      .insert(users)
      .values({
        username: body.username,
        email: body.email ?? null,
        phone: body.phone ?? null,
        displayName: body.display_name ?? null,
        ...(await hashPassword(body.password)),
        ...loginFacts(request),
      })
      .returning()
      .get();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict("username_taken", "Username is already taken");
    throw e;
  }
  return { ...(await openShort(c.env, user, request)), user: toUserResponse(user) };
}

/** A login that opens a short session (access + refresh token). */
export async function login(c: Visitor, name: string, pw: string, request: Request): Promise<Tokens> {
  const user = await authenticate(c.env, name, pw, request);
  return { ...(await openShort(c.env, user, request)), user: toUserResponse(user) };
}

/** A login for clients without refresh tokens: one long-lived token (JWT_TTL_SECONDS). */
export async function loginLongLived(c: Visitor, name: string, pw: string, request: Request) {
  const user = await authenticate(c.env, name, pw, request);
  const { access_token, token_type, expires_in } = await openSession(c.env, user, { request, lifetime: "legacy" });
  return { access_token, token_type, expires_in };
}

/** Rotates a refresh token; one used twice ends its session. */
export async function refresh(c: Visitor, refreshToken: string) {
  const r = await refreshSession(c.env, refreshToken);
  if (!("reused" in r)) return r;
  await endSessions(c.env, r.reused.userId, { sid: r.reused.sid }, "signed out: a refresh token was used twice");
  throw new ApiError(401, "refresh_token_reused", "This refresh token was already used: the session has been ended, log in again");
}

/** Ends the caller's session: its tokens stop working at once and its sockets close (4001). */
export async function logout(c: Caller): Promise<void> {
  await endSessions(c.env, c.var.user.id, { sid: c.var.user.sessionId }, "signed out");
}

/** Ends every session of the caller's account, theirs included. */
export async function logoutEverywhere(c: Caller): Promise<void> {
  await endSessions(c.env, c.var.user.id, "all", "signed out everywhere");
}

/** The caller's sessions (devices), most recently used first. */
export const mySessions = (c: Caller) => listSessions(c.env, c.var.user);

/** Ends one of the caller's sessions; 404 session_not_found for any other. */
export async function endSession(c: Caller, sessionId: string): Promise<void> {
  const ended = await endSessions(c.env, c.var.user.id, { sid: sessionId }, "signed out: the session was ended");
  if (!ended) throw new ApiError(404, "session_not_found", "Session not found");
}

/** A single-use ticket for opening one socket in the caller's session. */
export const socketTicket = (c: Caller) => issueTicket(c.env, c.var.user);

/** The rooms where a user is an active member: where their sockets may be open. */
export const activeRooms = (db: Db, userId: number) =>
  db.select({ roomId: roomMembers.roomId }).from(roomMembers).where(and(eq(roomMembers.userId, userId), eq(roomMembers.status, "active")));

/**
 * Closes a user's sockets in each room (which then announces user_leave) and their own socket
 * (/realtime/ws); one retry per object. With `sid`, only the sockets opened in that session.
 */
export const closeSockets = (env: Env, userId: number, roomIds: number[], kind: HubClosing, reason: string, sid?: string) => [
  ...roomIds.map((roomId) => retryOnce(() => (sid ? roomStub(env, roomId).kickSession(userId, sid, reason) : roomStub(env, roomId).kick(userId, kind, reason)))),
  retryOnce(() => (sid ? hubStub(env, userId).kickSession(userId, sid, reason) : hubStub(env, userId).kick(userId, kind, reason))),
];

/**
 * Ends sessions of a user (one, all, or all but one) and closes their sockets with 4001. The
 * rows go first: from then on their tokens fail on REST and at every socket's admission; the
 * sockets already open are closed by their objects (failures are logged, the sessions are over).
 */
export async function endSessions(env: Env, userId: number, which: { sid: string } | { except: string } | "all", reason: string): Promise<number> {
  const db = getDb(env.DB);
  const where =
    which === "all"
      ? eq(sessions.userId, userId)
      : "sid" in which
        ? and(eq(sessions.userId, userId), eq(sessions.id, which.sid))
        : and(eq(sessions.userId, userId), ne(sessions.id, which.except));
  const [gone, memberships] = await db.batch([db.delete(sessions).where(where).returning({ id: sessions.id }), activeRooms(db, userId)]);
  if (!gone.length) return 0;
  const rooms = memberships.map((m) => m.roomId);
  // One session: only its sockets. Several (log out everywhere, a password change): all of the
  // user's sockets, one call per object; a socket of the session that goes on reconnects.
  const one = which !== "all" && "sid" in which ? which.sid : undefined;
  const calls = closeSockets(env, userId, rooms, "session_ended", reason, one);
  const closed = await Promise.allSettled(calls);
  for (const r of closed) if (r.status === "rejected") console.error("session end: sockets were not closed", r.reason);
  return gone.length;
}
