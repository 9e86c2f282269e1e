// Friendship lookups other features ask (direct-chat policy, profiles). Friendships are stored
// one row per direction and always created and removed in pairs, so one row is enough to ask.
import { sql } from "drizzle-orm";
import { blockBetween, type UserRef } from "../blocks/queries";
import type { Db } from "../db/client";
import { friendRequests, friendships, users } from "../db/schema";

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
