// Friends (reference doc 004): the friend-request state machine, the friend list, friend groups,
// removing a friend. A friendship is two rows (one per direction, so each side groups the other
// on its own) that are always written and deleted by one statement.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, desc, eq, isNotNull, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { blockBetween, pairEitherWay, type UserRef } from "../blocks/queries";
import { batchRun, getDb, type Db, type RowOf } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { friendRequests, friendships, users } from "../db/schema";
import { router } from "../http/app-env";
import { badRequest, conflict, forbidden, notFound } from "../http/errors";
import { id, json, jsonBody, noContent, PageQuery, pick, UserIdParam } from "../http/schemas";
import { friendsBetween, requestPending } from "./queries";
import {
  FriendGroupResponse,
  FriendGroupUpdate,
  FriendListQuery,
  FriendRequestCreate,
  FriendRequestListQuery,
  FriendRequestLists,
  FriendRequestRespond,
  FriendRequestResponse,
  FriendResponse,
} from "./schemas";

const sender = alias(users, "sender");
const recipient = alias(users, "recipient");

const selectRequests = (db: Db) =>
  db
    .select({ r: friendRequests, fromName: sender.username, fromAvatar: sender.avatarUrl, toName: recipient.username, toAvatar: recipient.avatarUrl })
    .from(friendRequests)
    .innerJoin(sender, eq(sender.id, friendRequests.fromId))
    .innerJoin(recipient, eq(recipient.id, friendRequests.toId));

type RequestRow = RowOf<typeof selectRequests>;
const toRequest = (x: RequestRow): z.infer<typeof FriendRequestResponse> => ({
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

const readRequest = async (db: Db, requestId: number) => {
  const row = await selectRequests(db).where(eq(friendRequests.id, requestId)).get();
  return row ? toRequest(row) : null;
};

/** `me`'s friends (the row `me` -> friend carries `me`'s group for them), narrowed by `cond`. */
const selectFriends = (db: Db, me: number, cond?: SQL) =>
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

const pendingFrom = (from: UserRef, to: UserRef) =>
  sql`EXISTS (SELECT 1 FROM ${friendRequests} WHERE ${friendRequests.fromId} = ${from} AND ${friendRequests.toId} = ${to} AND ${requestPending()})`;

/** Both friendship rows in one statement, only while `guard` holds; an existing pair is kept. */
const befriend = (db: Db, a: number, b: number, guard: SQL, now: string) =>
  batchRun(db, sql`INSERT INTO ${friendships} (user_id, friend_id, created_at)
    SELECT column1, column2, ${now} FROM (VALUES (${a}, ${b}), (${b}, ${a})) WHERE ${guard}
    ON CONFLICT (user_id, friend_id) DO NOTHING`);

/** Once a and b are friends, every pending request between them (either way) is accepted. */
const settlePending = (db: Db, a: number, b: number, now: string) =>
  db
    .update(friendRequests)
    .set({ status: "accepted", respondedAt: now })
    .where(and(requestPending(), pairEitherWay(friendRequests.fromId, friendRequests.toId, a, b), friendsBetween(a, b)))
    .returning({ id: friendRequests.id });

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

export const friendRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/requests",
      tags: ["friends"],
      summary:
        "Send a friend request. If they already asked you, the two requests meet and you become friends at once (status accepted).",
      request: jsonBody(FriendRequestCreate),
      responses: { 200: json(FriendRequestResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { user_id: them, message } = c.req.valid("json");
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
      return c.json((await readRequest(db, requestId))!, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/requests",
      tags: ["friends"],
      summary: "Friend requests you received and sent, newest first (limit/offset apply to each list)",
      request: { query: FriendRequestListQuery },
      responses: { 200: json(FriendRequestLists), ...pick(400, 401) },
    }),
    async (c) => {
      const { status, limit, offset } = c.req.valid("query");
      const me = c.var.user.id;
      const db = getDb(c.env.DB);
      const list = (side: typeof friendRequests.fromId | typeof friendRequests.toId) =>
        selectRequests(db)
          .where(and(eq(side, me), status ? eq(friendRequests.status, status) : undefined))
          .orderBy(desc(friendRequests.id))
          .limit(limit)
          .offset(offset);
      // Not db.batch: D1 batch results are keyed by column name, and both aliases have "username".
      const [received, sent] = await Promise.all([list(friendRequests.toId).all(), list(friendRequests.fromId).all()]);
      return c.json({ received: received.map(toRequest), sent: sent.map(toRequest) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/requests/{request_id}/respond",
      tags: ["friends"],
      summary: "Accept or reject a pending friend request sent to you",
      request: { params: z.object({ request_id: id("request_id") }), ...jsonBody(FriendRequestRespond) },
      responses: { 200: json(FriendRequestResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { request_id } = c.req.valid("param");
      const { action } = c.req.valid("json");
      const me = c.var.user.id;
      const db = getDb(c.env.DB);
      const request = await db.select().from(friendRequests).where(eq(friendRequests.id, request_id)).get();
      // Strangers learn nothing about other people's requests.
      if (!request || (request.toId !== me && request.fromId !== me)) throw notFound("Friend request", "friend_request_not_found");
      if (request.toId !== me) throw forbidden("Only the recipient can respond to a friend request", "not_recipient");
      if (request.status !== "pending") throw badRequest("request_not_pending", `This request was already ${request.status}`);

      const now = new Date().toISOString();
      const stillPending = sql`EXISTS (SELECT 1 FROM ${friendRequests} WHERE ${friendRequests.id} = ${request_id} AND ${requestPending()})`;
      if (action === "accept") {
        // Concurrent accepts: the first batch flips the request, the next finds it no longer pending.
        const [, settled] = await db.batch([
          befriend(db, request.fromId, me, sql`${stillPending} AND NOT ${blockBetween(request.fromId, me)}`, now),
          settlePending(db, request.fromId, me, now),
        ]);
        if (!settled.some((r) => r.id === request_id)) await requestRaceLost(db, request_id);
      } else {
        const done = await db
          .update(friendRequests)
          .set({ status: "rejected", respondedAt: now })
          .where(and(eq(friendRequests.id, request_id), requestPending()))
          .returning({ id: friendRequests.id })
          .all();
        if (!done.length) await requestRaceLost(db, request_id);
      }
      return c.json((await readRequest(db, request_id))!, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["friends"],
      summary: "Your friends, by username; ?group= lists one friend group",
      request: { query: FriendListQuery },
      responses: { 200: json(z.array(FriendResponse)), ...pick(400, 401) },
    }),
    async (c) => {
      const { group, limit, offset } = c.req.valid("query");
      const rows = await selectFriends(getDb(c.env.DB), c.var.user.id, group !== undefined ? eq(friendships.groupName, group) : undefined)
        .orderBy(sql`lower(${users.username})`)
        .limit(limit)
        .offset(offset)
        .all();
      return c.json(rows, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/groups",
      tags: ["friends"],
      summary: "Your friend groups with the number of friends in each",
      request: { query: PageQuery },
      responses: { 200: json(z.array(FriendGroupResponse)), ...pick(400, 401) },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid("query");
      const rows = await getDb(c.env.DB)
        .select({ name: sql<string>`${friendships.groupName}`, count: sql<number>`count(*)` })
        .from(friendships)
        .where(and(eq(friendships.userId, c.var.user.id), isNotNull(friendships.groupName)))
        .groupBy(friendships.groupName)
        .orderBy(asc(friendships.groupName))
        .limit(limit)
        .offset(offset)
        .all();
      return c.json(rows, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{user_id}",
      tags: ["friends"],
      summary: "Remove a friend (for both of you). 404 no such user, 409 not friends.",
      request: { params: UserIdParam },
      responses: { ...noContent, ...pick(400, 401, 404, 409) },
    }),
    async (c) => {
      const { user_id: them } = c.req.valid("param");
      const me = c.var.user.id;
      notSelf(them, me);
      const db = getDb(c.env.DB);
      const gone = await db
        .delete(friendships)
        .where(pairEitherWay(friendships.userId, friendships.friendId, me, them))
        .returning({ id: friendships.id })
        .all();
      if (!gone.length) await notFriends(db, them);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{user_id}/group",
      tags: ["friends"],
      summary: "Put a friend in one of your friend groups (null: no group). Only your side changes.",
      request: { params: UserIdParam, ...jsonBody(FriendGroupUpdate) },
      responses: { 200: json(FriendResponse), ...pick(400, 401, 404, 409) },
    }),
    async (c) => {
      const { user_id: them } = c.req.valid("param");
      const { group } = c.req.valid("json");
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
      return c.json(friend!, 200);
    },
  );
