// Conversations: get-or-create a direct chat, create a group chat with its first members, and the
// inbox. Both kinds are rooms, so everything else (messages, members, renaming, transfer,
// dissolving) goes through the room routes.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, sql } from "drizzle-orm";
import { blockBetween } from "../blocks/queries";
import { batchRun, getDb, inIds, type Db } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { roomMembers, rooms, users } from "../db/schema";
import { cannotBringIn, friendsBetween } from "../friends/queries";
import { router } from "../http/app-env";
import { badRequest, conflict, forbidden, usersNotFound } from "../http/errors";
import { json, jsonBody, pick } from "../http/schemas";
import { getRoomResponse } from "../rooms/queries";
import { decodeCursor, selectInbox, toInboxItem, unreadTotals } from "./inbox";
import { DirectCreate, DirectResponse, GroupCreate, GroupResponse, InboxItem, InboxQuery } from "./schemas";

/** One refusal for "blocked" and "only accepts friends", so neither reveals itself. */
const cannotReach = () => forbidden("You cannot start a conversation with this user", "cannot_message_user");

export const directKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

async function groupMembers(db: Db, roomId: number) {
  const rows = await db
    .select({ id: users.id, username: users.username, display_name: users.displayName, avatar_url: users.avatarUrl, role: roomMembers.role })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.status, "active")))
    .orderBy(sql`${roomMembers.role} <> 'owner'`, asc(roomMembers.id))
    .all();
  return rows;
}

export const conversationRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/direct",
      tags: ["conversations"],
      summary:
        "Get or create the direct conversation with a user (idempotent, also under concurrent calls). Refused (403) when either side blocked the other, or the user only accepts direct chats from friends",
      request: jsonBody(DirectCreate),
      responses: { 200: json(DirectResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const me = c.var.user;
      const { user_id } = c.req.valid("json");
      if (user_id === me.id) throw badRequest("cannot_target_self", "You cannot open a direct conversation with yourself");
      const key = directKey(me.id, user_id);
      const target = await db
        .select({
          id: users.id,
          username: users.username,
          displayName: users.displayName,
          avatarUrl: users.avatarUrl,
          dmPolicy: users.dmPolicy,
          blocked: sql<number>`${blockBetween(me.id, users.id)}`,
          friend: sql<number>`${friendsBetween(users.id, me.id)}`,
          existing: sql<number | null>`(SELECT ${rooms.id} FROM ${rooms} WHERE ${rooms.directKey} = ${key})`,
        })
        .from(users)
        .where(eq(users.id, user_id))
        .get();
      if (!target) throw usersNotFound([user_id]);
      if (target.blocked) throw cannotReach();
      // The policy decides who may start a chat; an existing one survives a later unfriending.
      if (target.existing === null && target.dmPolicy === "friends" && !target.friend) throw cannotReach();

      const [createdRoom, , found] = await db.batch([
        // The unique direct_key settles concurrent creators: exactly one insert wins.
        batchRun(db, sql`INSERT INTO ${rooms} (kind, name, direct_key, visibility, require_approval, creator_id)
          SELECT 'direct', ${`direct:${key}`}, ${key}, 'private', 0, ${me.id}
          WHERE NOT ${blockBetween(me.id, user_id)}
          ON CONFLICT (direct_key) DO NOTHING`),
        // Opening the chat un-hides it for the caller only.
        batchRun(db, sql`INSERT INTO ${roomMembers} (room_id, user_id, role, status)
          SELECT r.id, j.value, 'member', 'active' FROM ${rooms} r, json_each(${JSON.stringify([me.id, user_id])}) j
          WHERE r.direct_key = ${key}
          ON CONFLICT (room_id, user_id) DO UPDATE SET hidden = 0 WHERE ${roomMembers}.user_id = ${me.id}`),
        db.select({ id: rooms.id }).from(rooms).where(eq(rooms.directKey, key)),
      ]);
      const roomId = found[0]?.id;
      if (!roomId) throw cannotReach(); // a block landed between the check and the write
      const room = (await getRoomResponse(db, roomId, me.id))!;
      return c.json(
        {
          ...room,
          peer: { id: target.id, username: target.username, display_name: target.displayName, avatar_url: target.avatarUrl, online: null },
          created: (createdRoom as unknown as D1Result).meta.changes > 0,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/group",
      tags: ["conversations"],
      summary:
        "Create a group conversation (a private room needing approval to join) with you as owner and the given users as active members, all at once",
      request: jsonBody(GroupCreate),
      responses: { 200: json(GroupResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const me = c.var.user;
      const b = c.req.valid("json");
      if (new Set(b.member_ids).size !== b.member_ids.length) throw badRequest("duplicate_member_ids", "member_ids contains duplicates");
      const ids = b.member_ids.filter((id) => id !== me.id);
      if (ids.length) {
        const found = await db
          .select({ id: users.id, blocked: sql<number>`${cannotBringIn(users.id, me.id)}` })
          .from(users)
          .where(inIds(users.id, ids))
          .all();
        const known = new Set(found.map((u) => u.id));
        const missing = ids.filter((id) => !known.has(id));
        if (missing.length) throw usersNotFound(missing);
        if (found.some((u) => u.blocked)) throw forbidden("Some of these users cannot be added to a conversation by you", "cannot_add_user");
      }
      let roomId: number;
      try {
        const [[room]] = await db.batch([
          db
            .insert(rooms)
            .values({ kind: "group", name: b.name, description: b.description ?? null, visibility: "private", requireApproval: true, creatorId: me.id })
            .returning({ id: rooms.id }),
          // Owner and members in one statement, keyed by the (unique) name of the room just inserted.
          batchRun(db, sql`INSERT INTO ${roomMembers} (room_id, user_id, role, status)
            SELECT r.id, j.value, CASE WHEN j.value = ${me.id} THEN 'owner' ELSE 'member' END, 'active'
            FROM ${rooms} r, json_each(${JSON.stringify([me.id, ...ids])}) j
            WHERE lower(r.name) = lower(${b.name}) AND r.kind = 'group'`),
        ]);
        roomId = room.id;
      } catch (e) {
        if (isUniqueViolation(e)) throw conflict("room_name_taken", "A room with this name already exists");
        throw e;
      }
      const [room, members] = await Promise.all([getRoomResponse(db, roomId, me.id), groupMembers(db, roomId)]);
      return c.json({ ...room!, members }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/unread",
      tags: ["conversations"],
      summary:
        "Your unread totals for a badge: messages and conversations with unread messages, muted conversations counted apart. Lags the rooms by up to a second (written behind)",
      responses: {
        200: json(
          z
            .object({ unread_messages: z.number().int(), unread_conversations: z.number().int(), muted_unread_messages: z.number().int() })
            .openapi("UnreadTotals"),
        ),
        ...pick(401),
      },
    }),
    async (c) => c.json(await unreadTotals(getDb(c.env.DB), c.var.user.id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["conversations"],
      summary:
        "Your inbox: rooms and direct chats you are an active member of and have not hidden, newest activity first, with unread counts. Paged by cursor: pass the last item's `cursor` (also sent as X-Next-Cursor when there is more)",
      request: { query: InboxQuery },
      responses: { 200: json(z.array(InboxItem)), ...pick(400, 401) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const me = c.var.user;
      const q = c.req.valid("query");
      const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
      // One extra row tells whether there is a next page.
      const rows = await selectInbox(db, me.id, { limit: q.limit + 1, cursor, kind: q.kind }).all();
      const now = new Date().toISOString();
      const items = rows.slice(0, q.limit).map((r) => toInboxItem(r, now));
      if (rows.length > q.limit) c.header("X-Next-Cursor", items[items.length - 1].cursor);
      return c.json(items, 200);
    },
  );
