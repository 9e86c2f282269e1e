// Blocks, for every door: block and unblock a user and list whom the caller blocked. Blocking
// also cuts every tie between the two users (friendship, pending friend requests, follows), and
// their direct chat follows the block state: while either user blocks the other, its room object
// refuses messages from both, over REST and sockets alike.
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb, type Db } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { blocks, follows, friendRequests, friendships, rooms, users } from "../db/schema";
import { requestPending } from "../friends/queries";
import { badRequest, conflict, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { directKey } from "../conversations/queries";
import { retryOnce, roomStub } from "../room/client";
import { blockBetween, bumpBlockVersion, pairEitherWay } from "./queries";

export type BlockedUser = { id: number; username: string; display_name: string | null; avatar_url: string | null; blocked_at: string };

const selectBlocked = (db: Db) =>
  db
    .select({
      id: users.id,
      username: users.username,
      display_name: users.displayName,
      avatar_url: users.avatarUrl,
      blocked_at: blocks.createdAt,
    })
    .from(blocks)
    .innerJoin(users, eq(users.id, blocks.blockedId));

/** Users the caller blocked, most recent first. */
export function listBlocked(c: Caller, page: { limit: number; offset: number }): Promise<BlockedUser[]> {
  return selectBlocked(getDb(c.env.DB))
    .where(eq(blocks.blockerId, c.var.user.id))
    .orderBy(desc(blocks.id))
    .limit(page.limit)
    .offset(page.offset)
    .all();
}

/** The caller blocks a user, cutting every tie between them (409 already_blocked). */
export async function block(c: Caller, them: number): Promise<BlockedUser> {
  const me = c.var.user.id;
  if (them === me) throw badRequest("cannot_block_self", "You cannot block yourself");
  const db = getDb(c.env.DB);
  const target = await db.select({ id: users.id }).from(users).where(eq(users.id, them)).get();
  if (!target) throw notFound("User", "user_not_found");
  try {
    // All or nothing: a duplicate block aborts the batch before any tie is cut.
    await db.batch([
      db.insert(blocks).values({ blockerId: me, blockedId: them }),
      db.delete(friendships).where(pairEitherWay(friendships.userId, friendships.friendId, me, them)),
      db.delete(friendRequests).where(and(requestPending(), pairEitherWay(friendRequests.fromId, friendRequests.toId, me, them))),
      db.delete(follows).where(pairEitherWay(follows.followerId, follows.followedId, me, them)),
      bumpBlockVersion(db, me, them),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict("already_blocked", "You already blocked this user");
    throw e;
  }
  const row = await selectBlocked(db)
    .where(and(eq(blocks.blockerId, me), eq(blocks.blockedId, them)))
    .get();
  // The user deleted their account in between: the block went with them.
  if (!row) throw notFound("User", "user_not_found");
  await syncDirectChatBlock(c.env, db, me, them);
  return row;
}

/** The caller unblocks a user (friendship and follows are not restored; 404 not_blocked). */
export async function unblock(c: Caller, them: number): Promise<void> {
  const db = getDb(c.env.DB);
  const [gone] = await db.batch([
    db
      .delete(blocks)
      .where(and(eq(blocks.blockerId, c.var.user.id), eq(blocks.blockedId, them)))
      .returning({ id: blocks.id }),
    // Only when a block was removed: otherwise the chat's state did not change.
    bumpBlockVersion(db, c.var.user.id, them, sql`changes() > 0`),
  ]);
  if (!gone.length) throw notFound("Block", "not_blocked");
  // Their direct chat accepts messages again unless they block each other the other way too.
  await syncDirectChatBlock(c.env, db, c.var.user.id, them);
}

/**
 * Called after a block or unblock is stored: reads the state with its version (one statement, so
 * a consistent pair) and hands it to the room, which keeps the highest version it was given. Two
 * racing calls may arrive in either order; a lost one is made good by the next socket upgrade.
 */
async function syncDirectChatBlock(env: Env, db: Db, a: number, b: number): Promise<void> {
  const room = await db
    .select({ id: rooms.id, version: rooms.blockVersion, blocked: sql<number>`${blockBetween(a, b)}` })
    .from(rooms)
    .where(eq(rooms.directKey, directKey(a, b)))
    .get();
  // Safe to repeat: the room ignores a version it already has.
  if (room && room.version > 0) await retryOnce(() => roomStub(env, room.id).setPostingBlocked(!!room.blocked, room.version));
}
