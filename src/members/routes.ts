// Room members: list, add in bulk, change roles, remove, leave, transfer ownership. Anyone who loses access
// has their sockets closed by the room object at once.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, ne, sql } from "drizzle-orm";
import { bannedFrom } from "../bans/queries";
import { cannotBringIn } from "../friends/queries";
import { abortIf, batchRun, getDb, inIds, isAbort, type Db, type RowOf } from "../db/client";
import { roleRank, roomInvitations, roomMembers, rooms, users } from "../db/schema";
import { router } from "../http/app-env";
import { badRequest, conflict, forbidden, notFound, usersNotFound } from "../http/errors";
import { id, json, jsonBody, noContent, PageQuery, pick, RoomIdParam } from "../http/schemas";
import { roomFull } from "../invitations/admission";
import { activeCount, canManageRoom, canModerate, loadRoom, require, requireActive } from "../rooms/access";
import { addedToRoom } from "../notifications/produce";
import { pokeHubs } from "../realtime/push";
import { admitMember } from "./admit";
import { leaveRoom, listMembers, membershipChanged, removeMember } from "./service";

export const MemberResponse = z
  .object({
    id: z.number().int(),
    room_id: z.number().int(),
    member_id: z.number().int(),
    member_name: z.string().nullable(),
    member_display_name: z.string().nullable(),
    member_email: z.string().nullable(),
    avatar_url: z.string().nullable(),
    role: z.enum(["owner", "admin", "member"]),
    status: z.enum(["active", "inactive"]),
    joined_at: z.string(),
    last_active_at: z.string().nullable(),
    last_read_message_id: z.number().int(),
  })
  .openapi("ChatRoomMemberResponse");

const MemberParams = RoomIdParam.extend({ member_id: id("member_id") });

const selectMembers = (db: Db) =>
  db
    .select({ m: roomMembers, name: users.username, displayName: users.displayName, email: users.email, avatar: users.avatarUrl })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId));

type Row = RowOf<typeof selectMembers>;
const toResponse = (r: Row) => ({
  id: r.m.id,
  room_id: r.m.roomId,
  member_id: r.m.userId,
  member_name: r.name,
  member_display_name: r.displayName,
  member_email: r.email,
  avatar_url: r.avatar,
  role: r.m.role,
  status: r.m.status,
  joined_at: r.m.joinedAt,
  last_active_at: r.m.lastActiveAt,
  last_read_message_id: r.m.lastReadMessageId,
});

const BulkAdd = z
  .object({
    user_ids: z
      .array(z.number().int().positive())
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, "no duplicates"),
  })
  .strict()
  .openapi("MembersAddRequest");
const BulkAdded = z.object({ added: z.array(MemberResponse), already_members: z.array(z.number().int()) }).openapi("MembersAddResponse");

/** Per user: exists, already an active member, banned, blocked with the caller; and the room's active count. One query. */
async function bulkFacts(db: Db, roomId: number, ids: number[], caller: number) {
  const j = sql`j.value`;
  return db.all<{ id: number; exists: number; member: number; banned: number; blocked: number; active: number }>(sql`
    SELECT j.value AS id, EXISTS (SELECT 1 FROM ${users} u WHERE u.id = j.value) AS "exists",
      EXISTS (SELECT 1 FROM ${roomMembers} m WHERE m.room_id = ${roomId} AND m.user_id = j.value AND m.status = 'active') AS member,
      ${bannedFrom(roomId, j)} AS banned, ${cannotBringIn(j, caller)} AS blocked, ${activeCount(roomId)} AS active
    FROM json_each(${JSON.stringify(ids)}) j`);
}

async function activeMember(db: Db, roomId: number, userId: number) {
  const row = await selectMembers(db)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId), eq(roomMembers.status, "active")))
    .get();
  if (!row) throw notFound("Member", "member_not_found");
  return row;
}

/** A page of a room's active members in list order, read off room_members_roster_idx. */
export const memberPage = (db: Db, roomId: number, page: { limit: number; offset: number }) =>
  selectMembers(db)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.status, "active")))
    .orderBy(roleRank(roomMembers.role), asc(roomMembers.joinedAt), asc(roomMembers.id))
    .limit(page.limit)
    .offset(page.offset);

export const memberRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/members",
      tags: ["members"],
      summary: "Active members: owner first, then admins, then by join time",
      request: { params: RoomIdParam, query: PageQuery },
      responses: { 200: json(z.array(MemberResponse)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const rows = await listMembers(c, c.req.valid("param").room_id, c.req.valid("query"));
      return c.json(rows.map(toResponse), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/members",
      tags: ["members"],
      summary:
        "Add up to 100 users at once (owner, room admins, system admins): all of them or none. Users already in the room are skipped and listed in already_members",
      request: { params: RoomIdParam, ...jsonBody(BulkAdd) },
      responses: { 200: json(BulkAdded), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const me = c.var.user;
      const ids = c.req.valid("json").user_ids;
      const access = await loadRoom(db, c.req.valid("param").room_id, me);
      require(canModerate(access), "Only the owner and room admins can add members");
      requireActive(access);
      const roomId = access.room.id;
      const facts = await bulkFacts(db, roomId, ids, me.id);
      const missing = facts.filter((f) => !f.exists).map((f) => f.id);
      if (missing.length) throw usersNotFound(missing);
      if (facts.some((f) => f.banned)) throw forbidden(`Banned from this room: ${facts.filter((f) => f.banned).map((f) => f.id).join(", ")}`, "banned");
      if (facts.some((f) => f.blocked)) throw forbidden("Some of these users cannot be added by you", "cannot_add_user");
      const already = facts.filter((f) => f.member).map((f) => f.id);
      const adding = facts.filter((f) => !f.member).map((f) => f.id);
      const max = access.room.maxMembers;
      if (max !== null && (facts[0]?.active ?? 0) + adding.length > max) throw roomFull();
      if (adding.length) {
        const list = JSON.stringify(adding);
        const now = new Date().toISOString();
        const each = sql`(SELECT value FROM json_each(${list}))`;
        try {
          await db.batch([
            // Who added whom: a pending invitation is approved, otherwise an approved one is recorded.
            batchRun(db, sql`INSERT INTO ${roomInvitations} (room_id, inviter_id, invitee_id, status, processed_at, processed_by_id)
              SELECT ${roomId}, ${me.id}, value, 'approved', ${now}, ${me.id} FROM json_each(${list}) j
              WHERE NOT EXISTS (SELECT 1 FROM ${roomInvitations} i WHERE i.room_id = ${roomId} AND i.invitee_id = j.value AND i.status = 'pending')`),
            batchRun(db, sql`UPDATE ${roomInvitations} SET status = 'approved', processed_at = ${now}, processed_by_id = ${me.id}
              WHERE room_id = ${roomId} AND status = 'pending' AND invitee_id IN ${each}`),
            ...adding.map((id) => admitMember(db, roomId, id, sql`NOT ${cannotBringIn(id, me.id)}`)),
            addedToRoom(db, adding, roomId, me.id),
            // All or none: a guard that failed under a race (room filled, ban, block) undoes the rest.
            abortIf(db, sql`(SELECT count(*) FROM ${roomMembers} WHERE room_id = ${roomId} AND status = 'active' AND user_id IN ${each}) < ${adding.length}`),
          ]);
        } catch (e) {
          if (!isAbort(e)) throw e;
          throw conflict("membership_changed", "The room or these users changed meanwhile (full, banned or blocked); nothing was added");
        }
        c.executionCtx.waitUntil(pokeHubs(c.env, adding));
      }
      const added = adding.length
        ? await selectMembers(db)
            .where(and(eq(roomMembers.roomId, roomId), inIds(roomMembers.userId, adding)))
            .orderBy(asc(roomMembers.id))
            .all()
        : [];
      return c.json({ added: added.map(toResponse), already_members: already }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{room_id}/members/{member_id}/set-role",
      tags: ["members"],
      summary: "Make a member an admin or a plain member (owner or system admin; not yourself, never the owner)",
      request: { params: MemberParams, ...jsonBody(z.object({ role: z.enum(["member", "admin"]) }).openapi("ChatRoomMemberUpdateRole")) },
      responses: { 200: json(MemberResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { room_id, member_id } = c.req.valid("param");
      const { role } = c.req.valid("json");
      const access = await loadRoom(db, room_id, c.var.user);
      require(canManageRoom(access), "Only the owner can change roles");
      if (member_id === c.var.user.id) throw forbidden("You cannot change your own role", "cannot_change_own_role");
      const target = await activeMember(db, access.room.id, member_id);
      if (target.m.role === "owner") throw forbidden("The owner's role cannot be changed", "cannot_change_owner");
      const done = await db
        .update(roomMembers)
        .set({ role })
        .where(and(eq(roomMembers.id, target.m.id), eq(roomMembers.status, "active"), ne(roomMembers.role, "owner")))
        .returning({ id: roomMembers.id });
      if (!done.length) throw membershipChanged();
      return c.json(toResponse({ ...target, m: { ...target.m, role } }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/members/{member_id}",
      tags: ["members"],
      summary:
        "Remove a member: the owner and system admins remove anyone but the owner, room admins remove plain members, anyone removes themself (not the owner)",
      request: { params: MemberParams },
      responses: { ...noContent, ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { room_id, member_id } = c.req.valid("param");
      const access = await loadRoom(db, room_id, c.var.user);
      const self = member_id === c.var.user.id;
      require(self || canModerate(access), "You cannot remove members from this room");
      const target = await activeMember(db, access.room.id, member_id);
      if (target.m.role === "owner") throw forbidden("The owner cannot be removed; transfer ownership first", "cannot_remove_owner");
      if (!self && !canManageRoom(access) && target.m.role !== "member")
        throw forbidden("Room admins can only remove plain members");
      await removeMember(c, db, access, member_id, target.m.role);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/leave",
      tags: ["members"],
      summary: "Leave a room (the owner must transfer ownership first)",
      request: { params: RoomIdParam },
      responses: { ...noContent, ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      await leaveRoom(c, c.req.valid("param").room_id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/transfer-owner",
      tags: ["members"],
      summary: "Hand the room to another active member; the old owner becomes an admin",
      request: { params: RoomIdParam, ...jsonBody(z.object({ user_id: z.number().int().positive() }).openapi("TransferOwnerRequest")) },
      responses: { 200: json(MemberResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { user_id } = c.req.valid("json");
      const access = await loadRoom(db, c.req.valid("param").room_id, c.var.user);
      require(canManageRoom(access), "Only the owner can transfer ownership");
      const oldOwner = access.room.creatorId;
      if (user_id === oldOwner) throw badRequest("already_owner", "That user already owns the room");
      const target = await activeMember(db, access.room.id, user_id);
      const roomId = access.room.id;
      // Guarded so that concurrent transfers (or the target leaving meanwhile) cannot leave two
      // owners: the roles move only if the room statement, which checks both, did.
      const handedOver = sql`(SELECT r.creator_id FROM ${rooms} r WHERE r.id = ${roomId}) = ${user_id}`;
      const [moved] = await db.batch([
        db
          .update(rooms)
          .set({ creatorId: user_id, updatedAt: new Date().toISOString() })
          .where(
            and(
              eq(rooms.id, roomId),
              eq(rooms.creatorId, oldOwner),
              sql`EXISTS (SELECT 1 FROM ${roomMembers} m WHERE m.id = ${target.m.id} AND m.status = 'active')`,
            ),
          )
          .returning({ id: rooms.id }),
        db.update(roomMembers).set({ role: "admin" }).where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, oldOwner), handedOver)),
        db.update(roomMembers).set({ role: "owner" }).where(and(eq(roomMembers.id, target.m.id), handedOver)),
      ]);
      if (!moved.length) throw conflict("ownership_changed", "The room's owner or the new owner's membership changed meanwhile; try again");
      return c.json(toResponse({ ...target, m: { ...target.m, role: "owner" } }), 200);
    },
  );
