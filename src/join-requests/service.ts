// Applying to join a room, shared by the core route and the dialects: a request for the owner to
// process, or, in a room without approval, the membership at once (one guarded batch).
import { and, eq, sql } from "drizzle-orm";
import { bannedFrom } from "../bans/queries";
import { batchRun, getDb, type Db } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { joinRequests, rooms, users } from "../db/schema";
import { badRequest, conflict, forbidden } from "../http/errors";
import { admitMember } from "../members/admit";
import type { Caller } from "../messages/common";
import { activeCount } from "../members/queries";
import { loadRoom, requireActive } from "../rooms/access";
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
