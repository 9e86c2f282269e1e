// Accounts after registration, for every door: one's own profile and its update, the password
// change, account deletion, user search and public profiles (with follow counts and one's
// relationship to them).
import type { z } from "@hono/zod-openapi";
import { and, eq, inArray, isNull, ne, or, sql } from "drizzle-orm";
import { countFailure, passwordKeys, refuseIfLocked } from "../auth/guesses";
import { assertPasswordPolicy, hashPassword, verifyPassword } from "../auth/password";
import { activeRooms, closeSockets } from "../auth/service";
import { reissueAccessToken } from "../auth/sessions";
import { dropReplaced } from "../avatars/service";
import { hasBlocked } from "../blocks/queries";
import { getDb, type Db } from "../db/client";
import { contains } from "../db/like";
import { files, follows, roomMembers, rooms, sessions, users, type UserRow } from "../db/schema";
import { friendsBetween } from "../friends/queries";
import { ApiError, badRequest, conflict, notFound } from "../http/errors";
import { deleteObjects } from "../media/files";
import type { Caller } from "../messages/common";
import { retryOnce, roomStub } from "../room/client";
import { contactFor } from "./privacy";
import { avatarUrlsByIds, idsByUsernames, loadSelf, namesByIds, updateUser, userExists, userIdByUsername } from "./queries";
import { toPublicUser, toUserResponse, type ChangePassword, type PublicProfile, type UpdateMe, type UserView } from "./schemas";

const wrongPassword = () => new ApiError(403, "wrong_password", "Password is incorrect");

/**
 * The current-password check of the routes that need one: refused while this user's checks are
 * locked (before hashing), and only a wrong password counts towards the lock (../auth/guesses.ts).
 */
async function checkPassword(c: Caller, db: Db, load: () => Promise<UserRow>, password: string): Promise<UserRow> {
  const keys = passwordKeys(c.env, c.var.user.id);
  await refuseIfLocked(db, keys, "password checks");
  const me = await load();
  if (!(await verifyPassword(password, me))) throw (await countFailure(db, c.env, keys), wrongPassword());
  return me;
}

/** The caller's own account. */
export async function getMe(c: Caller): Promise<UserView> {
  return toUserResponse(await loadSelf(getDb(c.env.DB), c.var.user.id));
}

/** Updates the fields given. Changing email or phone needs the current password. */
export async function updateMe(c: Caller, b: z.infer<typeof UpdateMe>): Promise<UserView> {
  const db = getDb(c.env.DB);
  const self = b.email !== undefined || b.phone !== undefined || b.avatar_url !== undefined ? await loadSelf(db, c.var.user.id) : null;
  // Email and phone are how an account is reached and recovered: a stolen token alone must not
  // move them elsewhere. Sending them unchanged (a whole profile form) needs nothing.
  if (self && ((b.email !== undefined && b.email !== self.email) || (b.phone !== undefined && b.phone !== self.phone))) {
    if (b.current_password === undefined) throw badRequest("password_required", "Changing email or phone needs current_password");
    const known = self;
    await checkPassword(c, db, async () => known, b.current_password);
  }
  const avatarChanged = self !== null && b.avatar_url !== undefined && b.avatar_url !== self.avatarUrl;
  if (avatarChanged && b.avatar_url?.startsWith("/"))
    throw badRequest("invalid_avatar_url", "Upload a picture with PUT /users/me/avatar; avatar_url takes an outside URL");
  const patch = {
    ...(b.display_name !== undefined && { displayName: b.display_name }),
    ...(b.email !== undefined && { email: b.email }),
    ...(b.phone !== undefined && { phone: b.phone }),
    // An outside URL replaces an uploaded picture, which then goes.
    ...(avatarChanged && { avatarUrl: b.avatar_url, avatarFileId: null }),
    ...(b.bio !== undefined && { bio: b.bio }),
    ...(b.dm_policy !== undefined && { dmPolicy: b.dm_policy }),
  };
  if (Object.keys(patch).length === 0) return toUserResponse(self ?? (await loadSelf(db, c.var.user.id)));
  // What the update replaced is read in the same transaction, so a concurrent upload is not lost.
  const { replaced, user } = await updateUser(db, c.var.user.id, patch);
  if (avatarChanged) await dropReplaced(c.env, db, replaced);
  return toUserResponse(user);
}

/** Changes the password (the old one is required): every other session ends; this one gets a fresh access token. */
export async function changePassword(c: Caller, { old_password, new_password }: z.infer<typeof ChangePassword>) {
  assertPasswordPolicy(c.env, new_password, "body.new_password");
  const db = getDb(c.env.DB);
  const me = await checkPassword(c, db, () => loadSelf(db, c.var.user.id), old_password);
  // Every other session ends with the old password (a thief's refresh token included); this
  // one goes on with a fresh access token.
  const [[row]] = await db.batch([
    db
      .update(users)
      .set({ ...(await hashPassword(new_password)), tokenVersion: me.tokenVersion + 1, updatedAt: new Date().toISOString() })
      .where(eq(users.id, me.id))
      .returning(),
    db.delete(sessions).where(and(eq(sessions.userId, me.id), ne(sessions.id, c.var.user.sessionId))),
  ]);
  // Sockets opened with the old tokens close (4001) in every room; the client reconnects with
  // the new token. The password has changed whatever happens to these calls: failures are logged.
  const memberships = await activeRooms(db, me.id).all();
  const closed = await Promise.allSettled(closeSockets(c.env, me.id, memberships.map((m) => m.roomId), "session_ended", "signed out: the password changed"));
  for (const r of closed) if (r.status === "rejected") console.error("password change: a room's sockets were not closed", r.reason);
  return reissueAccessToken(c.env, row, c.var.user);
}

/** Deletes the caller's account (password required). Refused (409 owns_rooms) while they own group rooms. */
export async function deleteAccount(c: Caller, password: string): Promise<void> {
  const db = getDb(c.env.DB);
  const me = await checkPassword(c, db, () => loadSelf(db, c.var.user.id), password);
  // One batch, every statement guarded by "owns no group room": an ownership transferred to
  // this user after any earlier check makes the whole batch a no-op (and a 409), never a
  // half-deleted account or a room owned by nobody.
  const ownsNone = sql`NOT EXISTS (SELECT 1 FROM ${rooms} o WHERE o.creator_id = ${me.id} AND o.kind = 'group')`;
  // Direct chats keep rooms.creator_id pointing at a user: hand each to the other side, or
  // delete it when nobody else is left in it.
  const otherSide = sql`(SELECT m.user_id FROM ${roomMembers} m WHERE m.room_id = ${rooms}.id AND m.user_id <> ${me.id} LIMIT 1)`;
  const mine = and(eq(rooms.creatorId, me.id), eq(rooms.kind, "direct"));
  const emptyDirect = db.select({ id: rooms.id }).from(rooms).where(and(mine, sql`${otherSide} IS NULL`));
  const [memberships, orphanFiles, directFiles, deletedRooms, , gone] = await db.batch([
    activeRooms(db, me.id),
    // Files in rooms stay with their messages (uploader set null); files in no room go now.
    db.delete(files).where(and(eq(files.uploaderId, me.id), isNull(files.roomId), ownsNone)).returning({ key: files.key }),
    db.delete(files).where(and(inArray(files.roomId, emptyDirect), ownsNone)).returning({ key: files.key }),
    db.delete(rooms).where(and(inArray(rooms.id, emptyDirect), ownsNone)).returning({ id: rooms.id }),
    db.update(rooms).set({ creatorId: otherSide }).where(and(mine, ownsNone)),
    // Memberships, follows and join requests go with the user (ON DELETE CASCADE).
    db.delete(users).where(and(eq(users.id, me.id), ownsNone)).returning({ id: users.id }),
  ]);
  if (!gone.length) {
    // Either the user still owns a room, or a concurrent deletion of the same account won.
    if (!(await db.select({ id: users.id }).from(users).where(eq(users.id, me.id)).get())) return;
    throw conflict("owns_rooms", "You own rooms: transfer ownership or delete them first");
  }
  // The account is gone: its sockets close everywhere, and rooms deleted with it are emptied.
  const destroyed = new Set(deletedRooms.map((r) => r.id));
  await Promise.all([
    ...closeSockets(c.env, me.id, memberships.map((m) => m.roomId).filter((id) => !destroyed.has(id)), "account_deleted", "account deleted"),
    ...deletedRooms.map((r) => retryOnce(() => roomStub(c.env, r.id).destroy())),
  ]);
  // Bytes last: the rows are gone, so a failure here only leaves unreachable objects behind.
  await deleteObjects(c.env, [...orphanFiles, ...directFiles].map((f) => f.key));
}

/** The account a username names (case-insensitive, as logins match), or null. */
export const findUserId = (c: { env: Env }, username: string) => userIdByUsername(getDb(c.env.DB), username);

export type Person = { id: number; username: string; display_name: string | null };

/**
 * The users behind `ids` (display names for senders and creators on the reference documents'
 * pages): one query whatever the page size, none for an empty page.
 */
export async function peopleByIds(c: { env: Env }, ids: Iterable<number>): Promise<Map<number, Person>> {
  const list = [...new Set(ids)];
  if (!list.length) return new Map();
  const rows = await namesByIds(getDb(c.env.DB), list);
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Username (lower-cased) -> account id, for names a room summary keeps instead of ids: one query.
 * Usernames are unique case-insensitively, so each name has at most one id.
 */
export async function idsOfUsernames(c: { env: Env }, names: Iterable<string>): Promise<Map<string, number>> {
  const lower = [...new Set([...names].map((n) => n.toLowerCase()))];
  if (!lower.length) return new Map();
  const rows = await idsByUsernames(getDb(c.env.DB), lower);
  return new Map(rows.map((u) => [u.username.toLowerCase(), u.id]));
}

/** User id -> picture URL ("" for none), for a page's senders: one query. */
export async function avatarsByIds(c: { env: Env }, ids: Iterable<number>): Promise<Map<number, string>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map<number, string>();
  const rows = await avatarUrlsByIds(getDb(c.env.DB), unique);
  return new Map(rows.map((r) => [r.id, r.avatar ?? ""]));
}

/** Whether the account still exists: doors that name a deleted account's refusal (004's 31) ask it. */
export const accountExists = (c: { env: Env }, userId: number) => userExists(getDb(c.env.DB), userId);

/** Users with `q` in their username or display name, by username. */
export async function searchUsers(c: Caller, { q, limit, offset }: { q: string; limit: number; offset: number }): Promise<PublicProfile[]> {
  const rows = await getDb(c.env.DB)
    .select()
    .from(users)
    .where(or(contains(users.username, q), contains(users.displayName, q)))
    .orderBy(sql`lower(${users.username})`)
    .limit(limit)
    .offset(offset)
    .all();
  return rows.map(toPublicUser);
}

/**
 * A user's public profile, with follow counts and the caller's relationship to them; `contact`
 * is their e-mail and phone as the caller may see them (owner and system admins only).
 */
export async function userProfile(c: Caller, userId: number): Promise<Required<PublicProfile> & { contact: { email: string | null; phone: string | null } }> {
  const me = c.var.user.id;
  // drizzle writes columns of a single-table select unqualified ("id"), which inside these
  // subqueries would mean follows.id; nesting keeps the outer column qualified ("users"."id").
  const them = sql`${users.id}`;
  const row = await getDb(c.env.DB)
    .select({
      user: users,
      followers: sql<number>`(SELECT count(*) FROM ${follows} WHERE ${follows.followedId} = ${them})`,
      following: sql<number>`(SELECT count(*) FROM ${follows} WHERE ${follows.followerId} = ${them})`,
      isFollowing: sql<number>`EXISTS (SELECT 1 FROM ${follows} WHERE ${follows.followerId} = ${me} AND ${follows.followedId} = ${them})`,
      followsYou: sql<number>`EXISTS (SELECT 1 FROM ${follows} WHERE ${follows.followerId} = ${them} AND ${follows.followedId} = ${me})`,
      isFriend: sql<number>`${friendsBetween(me, users.id)}`,
      blocked: sql<number>`${hasBlocked(me, users.id)}`,
    })
    .from(users)
    .where(eq(users.id, userId))
    .get();
  if (!row) throw notFound("User");
  return {
    ...toPublicUser(row.user),
    followers_count: row.followers,
    following_count: row.following,
    is_following: !!row.isFollowing,
    follows_you: !!row.followsYou,
    is_friend: !!row.isFriend,
    blocked: !!row.blocked,
    contact: contactFor(c.var.user, userId, row.user),
  };
}
