// Room invitations: the owner and admins add a user at once; a plain member's invitation waits as
// pending until the owner or an admin approves or rejects it. Admission and the invitation's
// state change are always one D1 batch.
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { cannotBringIn } from "../friends/queries";
import { batchRun, getDb, type Db, type RowOf } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { roomInvitations, users } from "../db/schema";
import { router } from "../http/app-env";
import { badRequest, conflict, notFound } from "../http/errors";
import { id, json, jsonBody, PageQuery, pick, RoomIdParam } from "../http/schemas";
import { admitMember, isActiveMember } from "../members/admit";
import { addedToRoom } from "../notifications/produce";
import { pokeHubs } from "../realtime/push";
import { canModerate, loadRoom, require, requireActive } from "../rooms/access";
import { admissionFacts, admissionRefusal, bannedError, blockedError, roomFull } from "./admission";

const InvitationCreate = z.object({ user_id: z.number().int().positive() }).strict().openapi("RoomInvitationCreate");
const InvitationProcess = z.object({ status: z.enum(["approved", "rejected"]) }).strict().openapi("RoomInvitationProcess");

const InvitationResponse = z
  .object({
    id: z.number().int(),
    room_id: z.number().int(),
    inviter_id: z.number().int().nullable(),
    inviter_name: z.string().nullable(),
    invitee_id: z.number().int(),
    invitee_name: z.string().nullable(),
    status: z.enum(["pending", "approved", "rejected"]),
    created_at: z.string(),
    processed_at: z.string().nullable(),
    processed_by_id: z.number().int().nullable(),
  })
  .openapi("RoomInvitationResponse");

const InvitationCreated = InvitationResponse.extend({
  member_added: z.boolean().openapi({ description: "True when the invitee is now an active member (invited by the owner or an admin)" }),
  message: z.string(),
}).openapi("RoomInvitationCreated");

const inviter = alias(users, "inviter");
const invitee = alias(users, "invitee");

const selectInvitations = (db: Db) =>
  db
    .select({ i: roomInvitations, inviterName: inviter.username, inviteeName: invitee.username })
    .from(roomInvitations)
    .leftJoin(inviter, eq(inviter.id, roomInvitations.inviterId))
    .leftJoin(invitee, eq(invitee.id, roomInvitations.inviteeId));

type Row = RowOf<typeof selectInvitations>;
const toResponse = (r: Row) => ({
  id: r.i.id,
  room_id: r.i.roomId,
  inviter_id: r.i.inviterId,
  inviter_name: r.inviterName,
  invitee_id: r.i.inviteeId,
  invitee_name: r.inviteeName,
  status: r.i.status,
  created_at: r.i.createdAt,
  processed_at: r.i.processedAt,
  processed_by_id: r.i.processedById,
});

const readInvitation = async (db: Db, invitationId: number) =>
  toResponse((await selectInvitations(db).where(eq(roomInvitations.id, invitationId)).get())!);

const notPending = (status = "processed") => badRequest("invitation_not_pending", `This invitation was already ${status}`);
const moderatorsOnly = "Only the owner and room admins can see and process invitations";

export const invitationRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/invitations",
      tags: ["invitations"],
      summary:
        "Invite a user: the owner, room admins and system admins add them at once; a plain member's invitation stays pending until the owner or an admin processes it",
      request: { params: RoomIdParam, ...jsonBody(InvitationCreate) },
      responses: { 200: json(InvitationCreated), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const me = c.var.user;
      const { user_id } = c.req.valid("json");
      const access = await loadRoom(db, c.req.valid("param").room_id, me);
      const direct = canModerate(access);
      require(direct || access.role !== null, "Only members can invite people to this room", "not_a_member");
      if (user_id === me.id) throw badRequest("cannot_invite_self", "You cannot invite yourself");
      requireActive(access);
      const roomId = access.room.id;
      const refusal = admissionRefusal(await admissionFacts(db, roomId, user_id, me.id), access.room.maxMembers, { checkPending: true });
      if (refusal) throw refusal;

      let invitationId: number | undefined;
      if (direct) {
        const now = new Date().toISOString();
        const [, recorded] = await db.batch([
          admitMember(db, roomId, user_id, sql`NOT ${cannotBringIn(user_id, me.id)}`),
          // Kept as an approved invitation so the room remembers who added whom.
          batchRun(db, sql`INSERT INTO ${roomInvitations} (room_id, inviter_id, invitee_id, status, processed_at, processed_by_id)
            SELECT ${roomId}, ${me.id}, ${user_id}, 'approved', ${now}, ${me.id} WHERE changes() > 0 RETURNING id`),
          addedToRoom(db, [user_id], roomId, me.id, sql`changes() > 0`),
        ]);
        invitationId = (recorded as unknown as D1Result<{ id: number }>).results?.[0]?.id;
        if (!invitationId) {
          // Something changed between the check and the write: report what.
          throw admissionRefusal(await admissionFacts(db, roomId, user_id, me.id), access.room.maxMembers) ?? roomFull();
        }
        c.executionCtx.waitUntil(pokeHubs(c.env, [user_id]));
      } else {
        try {
          const row = await db.insert(roomInvitations).values({ roomId, inviterId: me.id, inviteeId: user_id }).returning({ id: roomInvitations.id }).get();
          invitationId = row.id;
        } catch (e) {
          if (isUniqueViolation(e)) throw conflict("invitation_pending", "This user already has a pending invitation to this room");
          throw e;
        }
      }
      return c.json(
        {
          ...(await readInvitation(db, invitationId)),
          member_added: direct,
          message: direct ? "User added to the room" : "Invitation sent; the owner or an admin will approve or reject it",
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/invitations",
      tags: ["invitations"],
      summary: "Invitations to a room with inviter and invitee, newest first (owner, room admins, system admins)",
      request: { params: RoomIdParam, query: PageQuery.extend({ status_filter: z.enum(["pending", "approved", "rejected"]).optional() }) },
      responses: { 200: json(z.array(InvitationResponse)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { status_filter, limit, offset } = c.req.valid("query");
      const access = await loadRoom(db, c.req.valid("param").room_id, c.var.user);
      require(canModerate(access), moderatorsOnly);
      const rows = await selectInvitations(db)
        .where(and(eq(roomInvitations.roomId, access.room.id), status_filter ? eq(roomInvitations.status, status_filter) : undefined))
        .orderBy(desc(roomInvitations.id))
        .limit(limit)
        .offset(offset)
        .all();
      return c.json(rows.map(toResponse), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/invitations/{invitation_id}/process",
      tags: ["invitations"],
      summary: "Approve (the invitee becomes an active member) or reject a pending invitation (owner, room admins, system admins)",
      request: { params: z.object({ invitation_id: id("invitation_id") }), ...jsonBody(InvitationProcess) },
      responses: { 200: json(InvitationResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const me = c.var.user;
      const { invitation_id } = c.req.valid("param");
      const { status } = c.req.valid("json");
      const inv = await db.select().from(roomInvitations).where(eq(roomInvitations.id, invitation_id)).get();
      if (!inv) throw notFound("Invitation", "invitation_not_found");
      const access = await loadRoom(db, inv.roomId, me);
      require(canModerate(access), moderatorsOnly);
      if (inv.status !== "pending") throw notPending(inv.status);
      if (status === "approved") requireActive(access);

      const decision = { status, processedAt: new Date().toISOString(), processedById: me.id };
      const stillPending = and(eq(roomInvitations.id, invitation_id), eq(roomInvitations.status, "pending"));
      if (status === "approved") {
        // The inviter's say counts (blocks, dm_policy); the approver's when the inviter's account is gone.
        const facts = await admissionFacts(db, inv.roomId, inv.inviteeId, inv.inviterId ?? me.id);
        if (facts.banned) throw bannedError();
        if (facts.blocked) throw blockedError();
        if (!facts.member && access.room.maxMembers !== null && facts.active >= access.room.maxMembers) throw roomFull();
        const [, decided] = await db.batch([
          admitMember(
            db,
            inv.roomId,
            inv.inviteeId,
            sql`EXISTS (SELECT 1 FROM ${roomInvitations} WHERE ${roomInvitations.id} = ${invitation_id} AND ${roomInvitations.status} = 'pending')`,
          ),
          // Approved only if the invitee is a member now; otherwise the room filled up meanwhile.
          db
            .update(roomInvitations)
            .set(decision)
            .where(
              and(
                stillPending,
                isActiveMember(inv.roomId, inv.inviteeId),
              ),
            )
            .returning({ id: roomInvitations.id }),
          // Told by whoever invited them (or the approver, if the inviter is gone); only when this
          // batch's approval took (changes() counts the update just before).
          addedToRoom(db, [inv.inviteeId], inv.roomId, inv.inviterId ?? me.id, sql`changes() > 0`),
        ]);
        if (!decided.length) {
          const now = await db.select({ status: roomInvitations.status }).from(roomInvitations).where(eq(roomInvitations.id, invitation_id)).get();
          if (now?.status !== "pending") throw notPending(now?.status);
          throw roomFull();
        }
        c.executionCtx.waitUntil(pokeHubs(c.env, [inv.inviteeId]));
      } else {
        const done = await db.update(roomInvitations).set(decision).where(stillPending).returning({ id: roomInvitations.id }).all();
        if (!done.length) throw notPending();
      }
      return c.json(await readInvitation(db, invitation_id), 200);
    },
  );
