// Friendship queries: the lookups other features ask (direct-chat policy, profiles), and the
// friends feature's own read model and guarded writes (friends/service.ts holds the rules).
// Friendships are stored one row per direction and always created and removed in pairs, so one
// row is enough to ask.
import type { z } from "@hono/zod-openapi";
import { and, eq, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { blockBetween, pairEitherWay, type UserRef } from "../blocks/queries";
import { batchRun, inIds, type Db, type RowOf } from "../db/client";
import { friendRequests, friendships, users } from "../db/schema";
import type { FriendRequestResponse, FriendResponse } from "./schemas";

/** SQL condition: a and b are friends. Ids or columns, so it works as a correlated subquery. */
export const friendsBetween = (a: UserRef, b: UserRef) =>
  sql`EXISTS (SELECT 1 FROM ${friendships} WHERE ${friendships.userId} = ${a} AND ${friendships.friendId} = ${b})`;

/**
 * SQL condition: `by` may not put `target` into a conversation (a group, a room) without the
 * target's own step: a block either way, or the target takes conversations from friends only
 * (`dm_policy: "friends"`) and the two are not friends.
 */
export const cannotBringIn = (target: UserRef, by: UserRef) =>
  // Aliased: `target` may be a column of an outer query on users itself.
  sql`(${blockBetween(target, by)} OR (EXISTS (SELECT 1 FROM ${users} AS policy WHERE policy.id = ${target} AND policy.dm_policy = 'friends') AND NOT ${friendsBetween(target, by)}))`;

export async function areFriends(db: Db, a: number, b: number): Promise<boolean> {
  const row = await db.get<{ yes: number }>(sql`SELECT ${friendsBetween(a, b)} AS yes`);
  return !!row?.yes;
}

/**
 * A friend request is pending. Written as a literal on purpose: with `status = ?` next to an
 * OR of the two directions, SQLite's planner fails on the partial index friend_requests_one_pending
 * ("internal query planner error") instead of answering.
 */
export const requestPending = () => sql`${friendRequests.status} = 'pending'`;

const sender = alias(users, "sender");
const recipient = alias(users, "recipient");

/** Friend requests with both sides' names and pictures. */
export const selectRequests = (db: Db) =>
  db
    .select({ r: friendRequests, fromName: sender.username, fromAvatar: sender.avatarUrl, toName: recipient.username, toAvatar: recipient.avatarUrl })
    .from(friendRequests)
    .innerJoin(sender, eq(sender.id, friendRequests.fromId))
    .innerJoin(recipient, eq(recipient.id, friendRequests.toId));

export type FriendRequest = z.infer<typeof FriendRequestResponse>;
export type Friend = z.infer<typeof FriendResponse>;

export const toRequest = (x: RowOf<typeof selectRequests>): FriendRequest => ({
  id: x.r.id,
  from_id: x.r.fromId,
  from_name: x.fromName,
  from_avatar_url: x.fromAvatar,
  to_id: x.r.toId,
  to_name: x.toName,
  to_avatar_url: x.toAvatar,
  message: x.r.message,
  status: x.r.status,
  created_at: x.r.createdAt,
  responded_at: x.r.respondedAt,
});

export const readRequest = async (db: Db, requestId: number) => {
  const row = await selectRequests(db).where(eq(friendRequests.id, requestId)).get();
  return row ? toRequest(row) : null;
};

/** `me`'s friends (the row `me` -> friend carries `me`'s group for them), narrowed by `cond`. */
export const selectFriends = (db: Db, me: number, cond?: SQL) =>
  db
    .select({
      id: users.id,
      username: users.username,
      display_name: users.displayName,
      avatar_url: users.avatarUrl,
      group: friendships.groupName,
      since: friendships.createdAt,
    })
    .from(friendships)
    .innerJoin(users, eq(users.id, friendships.friendId))
    .where(and(eq(friendships.userId, me), cond));

/** SQL condition: a request from `from` to `to` is pending. */
export const pendingFrom = (from: UserRef, to: UserRef) =>
  sql`EXISTS (SELECT 1 FROM ${friendRequests} WHERE ${friendRequests.fromId} = ${from} AND ${friendRequests.toId} = ${to} AND ${requestPending()})`;

/** Both friendship rows in one statement, only while `guard` holds; an existing pair is kept. */
export const befriend = (db: Db, a: number, b: number, guard: SQL, now: string) =>
  batchRun(db, sql`INSERT INTO ${friendships} (user_id, friend_id, created_at)
    SELECT column1, column2, ${now} FROM (VALUES (${a}, ${b}), (${b}, ${a})) WHERE ${guard}
    ON CONFLICT (user_id, friend_id) DO NOTHING`);

/** Once a and b are friends, every pending request between them (either way) is accepted. */
export const settlePending = (db: Db, a: number, b: number, now: string) =>
  db
    .update(friendRequests)
    .set({ status: "accepted", respondedAt: now })
    .where(and(requestPending(), pairEitherWay(friendRequests.fromId, friendRequests.toId, a, b), friendsBetween(a, b)))
    .returning({ id: friendRequests.id });

/** Those of `ids` that are accounts, each with whether `me` is their friend: one query (a missing id is no row). */
export const friendFlags = (db: Db, me: number, ids: number[]) =>
  db
    .select({ id: users.id, friend: sql<number>`${friendsBetween(me, users.id)}` })
    .from(users)
    .where(inIds(users.id, ids))
    .all();
