// Join requests, for every door: applying to join a room (a request for the owner to process, or,
// in a room without approval, the membership at once), listing applications, approving or
// rejecting them. Approval and auto-approval add the member in the same D1 batch as the request's
// state change.
import { and, desc, eq, sql } from "drizzle-orm";
import { bannedFrom } from "../bans/queries";
import { batchRun, getDb, type Db } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { joinRequests, roomMembers, rooms, users } from "../db/schema";
import { badRequest, conflict, forbidden, notFound } from "../http/errors";
import { admitMember } from "../members/admit";
import type { Caller } from "../messages/common";
import { activeCount } from "../members/queries";
import { canModerate, loadRoom, require, requireActive } from "../rooms/access";
import { contactFor, type Viewer } from "../users/privacy";

export const roomFull = () => conflict("room_full", "The room has reached its member limit");
export const alreadyMember = () => badRequest("already_member", "You are already a member of this room");

export async function readRequest(db: Db, requestId: number, viewer: Viewer) {
  const row = await db
    .select({ r: joinRequests, name: users.username, email: users.email })
    .from(joinRequests)
    .leftJoin(users, eq(users.id, joinRequests.applicantId))
    .where(eq(joinRequests.id, requestId))
    .get();
  return row ? toResponse(viewer)(row) : null;
}

/** A request as `viewer` sees it: the applicant's e-mail only for themself and system admins. */
export const toResponse = (viewer: Viewer) => (x: { r: typeof joinRequests.$inferSelect; name: string | null; email: string | null }) => ({
  id: x.r.id,
  room_id: x.r.roomId,
  applicant_id: x.r.applicantId,
  applicant_name: x.name,
  applicant_email: contactFor(viewer, x.r.applicantId, x).email,
  message: x.r.message,
  status: x.r.status,
  applied_at: x.r.appliedAt,
  processed_at: x.r.processedAt,
  processed_by_id: x.r.processedById,
  process_message: x.r.processMessage,
});

/**
 * Applies to join a group room as the caller: 400 already_member, 403 invitation_required (a
 * private room), banned or room_archived,
 * 409 request_pending or room_full. Auto-approved (member added) when the room does not require
 * approval. Returns the ChatJoinRequestResponse.
 */
export async function applyToJoin(c: Caller, roomId: number, message: string | null) {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  const access = await loadRoom(db, roomId, me);
  const { room } = access;
  if (access.role) throw alreadyMember();
  // A private room is entered only through an invitation or an invite code, never by its id.
  if (room.visibility === "private") throw forbidden("This room is private: joining takes an invitation or an invite code", "invitation_required");
  requireActive(access);
  const pending = await db
    .select({ id: joinRequests.id, count: sql<number>`${activeCount(room.id)}`, banned: sql<number>`${bannedFrom(room.id, me.id)}` })
    .from(rooms)
    .leftJoin(joinRequests, and(eq(joinRequests.roomId, rooms.id), eq(joinRequests.applicantId, me.id), eq(joinRequests.status, "pending")))
    .where(eq(rooms.id, room.id))
    .get();
  if (pending?.banned) throw forbidden("You are banned from this room", "banned");
  if (pending?.id) throw conflict("request_pending", "You already have a pending request for this room");
  if (room.maxMembers !== null && (pending?.count ?? 0) >= room.maxMembers) throw roomFull();

  let requestId: number;
  try {
    if (room.requireApproval) {
      const row = await db.insert(joinRequests).values({ roomId: room.id, applicantId: me.id, message }).returning({ id: joinRequests.id }).get();
      requestId = row.id;
    } else {
      const now = new Date().toISOString();
      const [, inserted] = await db.batch([
        admitMember(db, room.id, me.id),
        // Recorded as approved (by nobody) only when the membership row was actually written.
        batchRun(db, sql`INSERT INTO ${joinRequests} (room_id, applicant_id, message, status, processed_at)
          SELECT ${room.id}, ${me.id}, ${message}, 'approved', ${now} WHERE changes() > 0 RETURNING id`),
      ]);
      const rowId = (inserted as unknown as D1Result<{ id: number }>).results?.[0]?.id;
      if (!rowId) {
        // Nothing written: a concurrent application of the same user won, or the room filled up.
        throw (await loadRoom(db, room.id, me)).role ? alreadyMember() : roomFull();
      }
      requestId = rowId;
    }
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict("request_pending", "You already have a pending request for this room");
    throw e;
  }
  return (await readRequest(db, requestId, me))!;
}

type Status = "pending" | "approved" | "rejected";

/** Applications to a room, newest first (owner, room admins, system admins). */
export async function listRequests(c: Caller, roomId: number, { status_filter, limit, offset }: { limit: number; offset: number; status_filter?: Status }) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  require(canModerate(access), "Only the owner and room admins can see join requests");
  const rows = await db
    .select({ r: joinRequests, name: users.username, email: users.email })
    .from(joinRequests)
    .leftJoin(users, eq(users.id, joinRequests.applicantId))
    .where(and(eq(joinRequests.roomId, access.room.id), status_filter ? eq(joinRequests.status, status_filter) : undefined))
    .orderBy(desc(joinRequests.id))
    .limit(limit)
    .offset(offset)
    .all();
  return rows.map(toResponse(c.var.user));
}

const pendingGuard = (requestId: number) =>
  sql`EXISTS (SELECT 1 FROM ${joinRequests} WHERE ${joinRequests.id} = ${requestId} AND ${joinRequests.status} = 'pending')`;

/** Approves (the applicant becomes an active member) or rejects a pending application (owner, room admins, system admins). */
export async function processRequest(c: Caller, request_id: number, status: "approved" | "rejected", process_message: string | null) {
  const db = getDb(c.env.DB);
  const request = await db.select().from(joinRequests).where(eq(joinRequests.id, request_id)).get();
  if (!request) throw notFound("Join request");
  const access = await loadRoom(db, request.roomId, c.var.user);
  require(canModerate(access), "Only the owner and room admins can process join requests");
  if (request.status !== "pending") throw badRequest("request_not_pending", `This request was already ${request.status}`);
  if (status === "approved") requireActive(access);

  const decision = { status, processedAt: new Date().toISOString(), processedById: c.var.user.id, processMessage: process_message };
  const stillPending = and(eq(joinRequests.id, request_id), eq(joinRequests.status, "pending"));
  if (status === "approved") {
    const [, decided] = await db.batch([
      admitMember(db, request.roomId, request.applicantId, pendingGuard(request_id)),
      // Approved only if the membership exists now; otherwise the room was full.
      db
        .update(joinRequests)
        .set(decision)
        .where(
          and(
            stillPending,
            sql`EXISTS (SELECT 1 FROM ${roomMembers} WHERE ${roomMembers.roomId} = ${request.roomId} AND ${roomMembers.userId} = ${request.applicantId} AND ${roomMembers.status} = 'active')`,
          ),
        )
        .returning({ id: joinRequests.id }),
    ]);
    if (!decided.length) {
      const now = await db.select({ status: joinRequests.status }).from(joinRequests).where(eq(joinRequests.id, request_id)).get();
      if (now?.status !== "pending") throw badRequest("request_not_pending", "This request was already processed");
      throw roomFull();
    }
  } else {
    const done = await db.update(joinRequests).set(decision).where(stillPending).returning({ id: joinRequests.id }).all();
    if (!done.length) throw badRequest("request_not_pending", "This request was already processed");
  }
  return (await readRequest(db, request_id, c.var.user))!;
}
