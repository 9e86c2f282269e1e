// Friends (reference doc 004): the rules of the friend-request state machine, the friend list,
// friend groups and removing a friend, for every door. A friendship is two rows (one per
// direction, so each side groups the other on its own) that are always written and deleted by
// one statement; the statements are in ./queries.ts.
import { and, asc, desc, eq, isNotNull, sql } from "drizzle-orm";
import { blockBetween, pairEitherWay } from "../blocks/queries";
import { batchRun, getDb, type Db } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { friendRequests, friendships, users } from "../db/schema";
import { badRequest, conflict, forbidden, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import {
  befriend,
  friendFlags,
  friendsBetween,
  pendingFrom,
  readRequest,
  requestPending,
  selectFriends,
  selectRequests,
  settlePending,
  toRequest,
  type Friend,
  type FriendRequest,
} from "./queries";

export type { Friend, FriendRequest };
type Page = { limit: number; offset: number };

// One refusal for every block, whichever side made it, so a block never reveals itself.
const cannotSend = () => forbidden("You cannot send a friend request to this user", "cannot_send_request");
const alreadySent = () => conflict("request_already_sent", "You already have a pending friend request to this user");
const notSelf = (them: number, me: number) => {
  if (them === me) throw badRequest("cannot_target_self", "You cannot do this to yourself");
};

/** After a guarded write changed nothing: say why (gone, or no longer pending). */
async function requestRaceLost(db: Db, requestId: number): Promise<never> {
  const now = await db.select({ status: friendRequests.status }).from(friendRequests).where(eq(friendRequests.id, requestId)).get();
  if (!now) throw notFound("Friend request", "friend_request_not_found");
  throw badRequest("request_not_pending", `This request was already ${now.status}`);
}

/** 404 when the user does not exist, else 409 not friends (doc 004 tells the two apart). */
async function notFriends(db: Db, them: number): Promise<never> {
  const user = await db.select({ id: users.id }).from(users).where(eq(users.id, them)).get();
  if (!user) throw notFound("User", "user_not_found");
  throw conflict("not_friends", "You are not friends with this user");
}

/** Sends a friend request. If they already asked the caller, the two requests meet and the two become friends at once. */
export async function sendRequest(c: Caller, them: number, message?: string | null): Promise<FriendRequest> {
  const me = c.var.user.id;
  if (them === me) throw badRequest("cannot_friend_self", "You cannot send a friend request to yourself");
  const db = getDb(c.env.DB);
  const target = await db
    .select({
      blocked: sql<number>`${blockBetween(me, users.id)}`,
      friends: sql<number>`${friendsBetween(me, users.id)}`,
      sent: sql<number>`${pendingFrom(me, users.id)}`,
    })
    .from(users)
    .where(eq(users.id, them))
    .get();
  if (!target) throw notFound("User", "user_not_found");
  if (target.blocked) throw cannotSend();
  if (target.friends) throw conflict("already_friends", "You are already friends with this user");
  if (target.sent) throw alreadySent();

  // One transaction: the request, then (if theirs to me is pending) the friendship, then
  // both requests marked accepted. The guards re-check what the read above saw.
  const now = new Date().toISOString();
  let inserted;
  try {
    [inserted] = await db.batch([
      batchRun(db, sql`INSERT INTO ${friendRequests} (from_id, to_id, message, created_at)
        SELECT ${me}, ${them}, ${message ?? null}, ${now} WHERE NOT ${blockBetween(me, them)} RETURNING id`),
      befriend(db, me, them, sql`${pendingFrom(them, me)} AND ${pendingFrom(me, them)}`, now),
      settlePending(db, me, them, now),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw alreadySent();
    throw e;
  }
  const requestId = (inserted as unknown as D1Result<{ id: number }>).results?.[0]?.id;
  if (!requestId) throw cannotSend();
  return (await readRequest(db, requestId))!;
}

/** The caller's received and sent requests, newest first (the page applies to each list). */
export async function listRequests(c: Caller, q: Page & { status?: FriendRequest["status"] }) {
  const me = c.var.user.id;
  const db = getDb(c.env.DB);
  const list = (side: typeof friendRequests.fromId | typeof friendRequests.toId) =>
    selectRequests(db)
      .where(and(eq(side, me), q.status ? eq(friendRequests.status, q.status) : undefined))
      .orderBy(desc(friendRequests.id))
      .limit(q.limit)
      .offset(q.offset);
  // Not db.batch: D1 batch results are keyed by column name, and both aliases have "username".
  const [received, sent] = await Promise.all([list(friendRequests.toId).all(), list(friendRequests.fromId).all()]);
  return { received: received.map(toRequest), sent: sent.map(toRequest) };
}

/** The recipient accepts or rejects a pending request; anyone else learns nothing about it. */
export async function respondToRequest(c: Caller, requestId: number, action: "accept" | "reject"): Promise<FriendRequest> {
  const me = c.var.user.id;
  const db = getDb(c.env.DB);
  const request = await db.select().from(friendRequests).where(eq(friendRequests.id, requestId)).get();
  // Strangers learn nothing about other people's requests.
  if (!request || (request.toId !== me && request.fromId !== me)) throw notFound("Friend request", "friend_request_not_found");
  if (request.toId !== me) throw forbidden("Only the recipient can respond to a friend request", "not_recipient");
  if (request.status !== "pending") throw badRequest("request_not_pending", `This request was already ${request.status}`);

  const now = new Date().toISOString();
  const stillPending = sql`EXISTS (SELECT 1 FROM ${friendRequests} WHERE ${friendRequests.id} = ${requestId} AND ${requestPending()})`;
  if (action === "accept") {
    // Concurrent accepts: the first batch flips the request, the next finds it no longer pending.
    const [, settled] = await db.batch([
      befriend(db, request.fromId, me, sql`${stillPending} AND NOT ${blockBetween(request.fromId, me)}`, now),
      settlePending(db, request.fromId, me, now),
    ]);
    if (!settled.some((r) => r.id === requestId)) await requestRaceLost(db, requestId);
  } else {
    const done = await db
      .update(friendRequests)
      .set({ status: "rejected", respondedAt: now })
      .where(and(eq(friendRequests.id, requestId), requestPending()))
      .returning({ id: friendRequests.id })
      .all();
    if (!done.length) await requestRaceLost(db, requestId);
  }
  return (await readRequest(db, requestId))!;
}

/** The caller's friends by username, or those of one friend group. */
export function listFriends(c: Caller, q: Page & { group?: string }): Promise<Friend[]> {
  return selectFriends(getDb(c.env.DB), c.var.user.id, q.group !== undefined ? eq(friendships.groupName, q.group) : undefined)
    .orderBy(sql`lower(${users.username})`)
    .limit(q.limit)
    .offset(q.offset)
    .all();
}

/** The caller's friend groups with the number of friends in each. */
export function listGroups(c: Caller, page: Page): Promise<{ name: string; count: number }[]> {
  return getDb(c.env.DB)
    .select({ name: sql<string>`${friendships.groupName}`, count: sql<number>`count(*)` })
    .from(friendships)
    .where(and(eq(friendships.userId, c.var.user.id), isNotNull(friendships.groupName)))
    .groupBy(friendships.groupName)
    .orderBy(asc(friendships.groupName))
    .limit(page.limit)
    .offset(page.offset)
    .all();
}

/** Ends a friendship for both sides: 404 no such user, 409 not friends. */
export async function removeFriend(c: Caller, them: number): Promise<void> {
  const me = c.var.user.id;
  notSelf(them, me);
  const db = getDb(c.env.DB);
  const gone = await db
    .delete(friendships)
    .where(pairEitherWay(friendships.userId, friendships.friendId, me, them))
    .returning({ id: friendships.id })
    .all();
  if (!gone.length) await notFriends(db, them);
}

/** Puts a friend in one of the caller's groups (null: none). Only the caller's side changes. */
export async function setFriendGroup(c: Caller, them: number, group: string | null): Promise<Friend> {
  const me = c.var.user.id;
  notSelf(them, me);
  const db = getDb(c.env.DB);
  const done = await db
    .update(friendships)
    .set({ groupName: group })
    .where(and(eq(friendships.userId, me), eq(friendships.friendId, them)))
    .returning({ id: friendships.id })
    .all();
  if (!done.length) await notFriends(db, them);
  const friend = await selectFriends(db, me, eq(friendships.friendId, them)).get();
  // Removed between the two statements: report it as not friends rather than a 500.
  if (!friend) await notFriends(db, them);
  return friend!;
}

/**
 * User id -> "is the caller's friend", for those of `ids` that exist (a missing id is no account):
 * document 004 makes private chats and groups between friends only, and tells a missing account
 * from a stranger. One query.
 */
export async function friendshipWith(c: Caller, ids: number[]): Promise<Map<number, boolean>> {
  if (!ids.length) return new Map();
  const rows = await friendFlags(getDb(c.env.DB), c.var.user.id, ids);
  return new Map(rows.map((r) => [r.id, !!r.friend]));
}
