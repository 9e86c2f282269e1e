// Entering a room by someone else's say, for every door. Invitations: the owner and admins add a
// user at once; a plain member's invitation waits as pending until the owner or an admin approves
// or rejects it. Invite codes: the owner and admins create expiring, optionally use-limited,
// revocable codes; anyone holding one joins without approval, and a use is counted in the same D1
// batch as the admission, so max_uses holds under concurrent joins. Admission and the state change
// are always one batch.
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { blockBetween } from "../blocks/queries";
import { batchRun, getDb, type Db, type RowOf } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { inviteCodes, roomInvitations, rooms, users } from "../db/schema";
import { cannotBringIn } from "../friends/queries";
import { ApiError, badRequest, conflict, forbidden, notFound } from "../http/errors";
import { admitMember, isActiveMember } from "../members/admit";
import type { BackgroundCaller, Caller } from "../messages/common";
import { addedToRoom } from "../notifications/produce";
import { pokeHubs } from "../realtime/push";
import { canModerate, loadRoom, require, requireActive } from "../rooms/access";
import { getRoomResponse } from "../rooms/queries";
import { admissionFacts, admissionRefusal, bannedError, blockedError, roomFull } from "./admission";
import { codeStatus, nowIso, toCodeResponse, type CodeRow } from "./schemas";

const inviter = alias(users, "inviter");
const invitee = alias(users, "invitee");

const selectInvitations = (db: Db) =>
  db
    .select({ i: roomInvitations, inviterName: inviter.username, inviteeName: invitee.username })
    .from(roomInvitations)
    .leftJoin(inviter, eq(inviter.id, roomInvitations.inviterId))
    .leftJoin(invitee, eq(invitee.id, roomInvitations.inviteeId));

type Row = RowOf<typeof selectInvitations>;
const toInvitationResponse = (r: Row) => ({
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
  toInvitationResponse((await selectInvitations(db).where(eq(roomInvitations.id, invitationId)).get())!);

const notPending = (status = "processed") => badRequest("invitation_not_pending", `This invitation was already ${status}`);
const invitationModerators = "Only the owner and room admins can see and process invitations";

type Page = { limit: number; offset: number };
type Status = "pending" | "approved" | "rejected";

/**
 * Invites a user: the owner, room admins and system admins add them at once; a plain member's
 * invitation stays pending until the owner or an admin processes it.
 */
export async function invite(c: BackgroundCaller, roomIdIn: number, user_id: number) {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  const access = await loadRoom(db, roomIdIn, me);
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
  return {
    ...(await readInvitation(db, invitationId)),
    member_added: direct,
    message: direct ? "User added to the room" : "Invitation sent; the owner or an admin will approve or reject it",
  };
}

/** Invitations to a room with inviter and invitee, newest first (owner, room admins, system admins). */
export async function listInvitations(c: Caller, roomId: number, { status_filter, limit, offset }: Page & { status_filter?: Status }) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  require(canModerate(access), invitationModerators);
  const rows = await selectInvitations(db)
    .where(and(eq(roomInvitations.roomId, access.room.id), status_filter ? eq(roomInvitations.status, status_filter) : undefined))
    .orderBy(desc(roomInvitations.id))
    .limit(limit)
    .offset(offset)
    .all();
  return rows.map(toInvitationResponse);
}

/** Approves (the invitee becomes an active member) or rejects a pending invitation (owner, room admins, system admins). */
export async function processInvitation(c: BackgroundCaller, invitation_id: number, status: "approved" | "rejected") {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  const inv = await db.select().from(roomInvitations).where(eq(roomInvitations.id, invitation_id)).get();
  if (!inv) throw notFound("Invitation", "invitation_not_found");
  const access = await loadRoom(db, inv.roomId, me);
  require(canModerate(access), invitationModerators);
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
  return readInvitation(db, invitation_id);
}

/** 16 random bytes as base64url: 22 characters, 128 bits, safe in a URL. */
function newCode() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** 410 for a code that existed but no longer works, so clients can say "this link has expired". */
function unusable(row: CodeRow): ApiError | null {
  const status = codeStatus(row);
  if (status === "active") return null;
  const detail = { revoked: "This invite code was revoked", expired: "This invite code has expired", used_up: "This invite code has been used up" }[status];
  return new ApiError(410, `invite_code_${status}`, detail);
}

/** SQL guard: the code still admits someone right now (checked inside the admission statement). */
const usable = (code: string) =>
  sql`EXISTS (SELECT 1 FROM ${inviteCodes} WHERE ${inviteCodes.code} = ${code} AND ${inviteCodes.revokedAt} IS NULL
    AND ${inviteCodes.expiresAt} > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    AND (${inviteCodes.maxUses} IS NULL OR ${inviteCodes.uses} < ${inviteCodes.maxUses}))`;

async function findCode(db: Db, code: string) {
  return db
    .select({ c: inviteCodes, maxMembers: rooms.maxMembers, archivedAt: rooms.archivedAt })
    .from(inviteCodes)
    .innerJoin(rooms, and(eq(rooms.id, inviteCodes.roomId), eq(rooms.kind, "group")))
    .where(eq(inviteCodes.code, code))
    .get();
}

/** The reason `userId` cannot join with this code right now, or null. */
async function joinRefusal(db: Db, found: NonNullable<Awaited<ReturnType<typeof findCode>>>, userId: number) {
  const facts = await admissionFacts(db, found.c.roomId, userId, found.c.createdById, false);
  const refusal = admissionRefusal(facts, found.maxMembers);
  // Already being a member says more than "expired" to someone who clicks an old link.
  if (refusal?.code === "already_member") return refusal;
  return unusable(found.c) ?? refusal;
}

const codeModerators = "Only the owner and room admins can manage invite codes";

/** Joins a room with an invite code (no approval). 404 unknown code; 410 expired, revoked or used up; 409 room full; 403 banned. */
export async function joinByCode(c: Caller, code: string) {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  const found = await findCode(db, code);
  if (!found) throw notFound("Invite code", "invite_code_not_found");
  if (found.archivedAt !== null) throw forbidden("This room is archived: it is read-only", "room_archived");
  const refusal = await joinRefusal(db, found, me.id);
  if (refusal) throw refusal;
  const roomId = found.c.roomId;
  const creator = found.c.createdById;
  const [, counted] = await db.batch([
    admitMember(db, roomId, me.id, sql`${usable(code)} AND NOT ${creator === null ? sql`0` : blockBetween(me.id, creator)}`),
    db
      .update(inviteCodes)
      .set({ uses: sql`${inviteCodes.uses} + 1` })
      .where(and(eq(inviteCodes.code, code), sql`changes() > 0`))
      .returning({ uses: inviteCodes.uses }),
  ]);
  if (!counted.length) {
    const now = await findCode(db, code);
    throw (now && (await joinRefusal(db, now, me.id))) ?? roomFull();
  }
  return (await getRoomResponse(db, roomId, me.id))!;
}

/** Creates an invite code (owner, room admins, system admins); max_uses null = unlimited. */
export async function createCode(c: Caller, roomId: number, body: { expires_in_seconds: number; max_uses: number | null }) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  require(canModerate(access), codeModerators);
  const row = await db
    .insert(inviteCodes)
    .values({
      code: newCode(),
      roomId: access.room.id,
      createdById: c.var.user.id,
      expiresAt: new Date(Date.now() + body.expires_in_seconds * 1000).toISOString(),
      maxUses: body.max_uses,
    })
    .returning()
    .get();
  return toCodeResponse(row);
}

/** A room's invite codes with their status, newest first (owner, room admins, system admins). */
export async function listCodes(c: Caller, roomId: number, { limit, offset }: Page) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  require(canModerate(access), codeModerators);
  const rows = await db
    .select()
    .from(inviteCodes)
    .where(eq(inviteCodes.roomId, access.room.id))
    .orderBy(desc(inviteCodes.createdAt))
    .limit(limit)
    .offset(offset)
    .all();
  return rows.map(toCodeResponse);
}

/** Revokes an invite code (idempotent; the code then answers 410 invite_code_revoked). */
export async function revokeCode(c: Caller, roomId: number, code: string): Promise<void> {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  require(canModerate(access), codeModerators);
  const where = and(eq(inviteCodes.code, code), eq(inviteCodes.roomId, access.room.id));
  const [, exists] = await db.batch([
    db.update(inviteCodes).set({ revokedAt: nowIso() }).where(and(where, isNull(inviteCodes.revokedAt))),
    db.select({ code: inviteCodes.code }).from(inviteCodes).where(where),
  ]);
  if (!exists.length) throw notFound("Invite code", "invite_code_not_found");
}
