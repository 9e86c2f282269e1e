// Room members, for every door: list, add in bulk, change roles, remove, leave, transfer
// ownership. Anyone who loses access has their sockets closed by the room object at once.
import { and, asc, eq, ne, sql } from "drizzle-orm";
import { abortIf, batchRun, getDb, inIds, isAbort, type Db } from "../db/client";
import { roomInvitations, roomMembers, rooms, type MemberRow } from "../db/schema";
import { cannotBringIn } from "../friends/queries";
import { badRequest, conflict, forbidden, notFound, usersNotFound } from "../http/errors";
import { roomFull } from "../invitations/admission";
import type { BackgroundCaller, Caller } from "../messages/common";
import { addedToRoom } from "../notifications/produce";
import { pokeHubs } from "../realtime/push";
import { retryOnce, roomStub } from "../room/client";
import { activeRole, canManageRoom, canModerate, canView, isOwner, loadRoom, require, requireActive, type Role, type RoomAccess } from "../rooms/access";
import { admitMember } from "./admit";
import { activeMember, bulkFacts, firstMemberIds, memberPage, selectMembers } from "./queries";
import { toMemberResponse } from "./schemas";

export const membershipChanged = () => conflict("membership_changed", "This membership changed meanwhile; reload and try again");

/**
 * Marks the membership inactive (history of who was here is kept) and closes the user's sockets.
 * Guarded by the role the caller saw, so a concurrent promotion or ownership transfer wins.
 */
async function deactivate(c: { env: Env }, db: Db, access: RoomAccess, userId: number, seenRole: MemberRow["role"], why: "removed" | "left") {
  const done = await db
    .update(roomMembers)
    .set({ status: "inactive", role: "member" })
    .where(
      and(
        eq(roomMembers.roomId, access.room.id),
        eq(roomMembers.userId, userId),
        eq(roomMembers.status, "active"),
        eq(roomMembers.role, seenRole),
        ne(roomMembers.role, "owner"),
      ),
    )
    .returning({ id: roomMembers.id });
  if (!done.length) throw membershipChanged();
  await retryOnce(() => roomStub(c.env, access.room.id).kick(userId, why));
}

/** The caller leaves a group room: 403 owner_cannot_leave for the owner, 404 not_a_member for a non-member. */
export async function leaveRoom(c: Caller, roomId: number) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  if (isOwner(access)) throw forbidden("The owner cannot leave; transfer ownership first", "owner_cannot_leave");
  if (!access.role) throw notFound("Membership", "not_a_member");
  await deactivate(c, db, access, c.var.user.id, access.role, "left");
}

/** A page of a room's active members (owner, active members and system admins may look), in list order. */
export async function listMembers(c: Caller, roomId: number, page: { limit: number; offset: number }) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user, { kinds: ["group", "direct"] });
  require(canView(access), "Only members can see the member list", "not_a_member");
  return memberPage(db, access.room.id, page).all();
}

/**
 * Room id -> up to 100 active member ids (by join order), for rooms the caller may already see
 * (documents 001 and 002 list them with each room): one query for the whole page, none for none.
 */
export async function memberIdsOf(c: { env: Env }, roomIds: number[]): Promise<Map<number, number[]>> {
  if (!roomIds.length) return new Map();
  const rows = await firstMemberIds(getDb(c.env.DB), roomIds);
  const out = new Map<number, number[]>();
  for (const r of rows) out.set(r.room_id, [...(out.get(r.room_id) ?? []), r.user_id]);
  return out;
}

/** A user's role in a room while an active member, else null: doors that pick their own refusal by role ask it. */
export const roleIn = (c: { env: Env }, roomId: number, userId: number): Promise<Role | null> => activeRole(getDb(c.env.DB), roomId, userId);

/**
 * Adds up to 100 users at once (owner, room admins, system admins): all of them or none. Users
 * already in the room are skipped and listed in already_members.
 */
export async function addMembers(c: BackgroundCaller, roomIdIn: number, ids: number[]) {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  const access = await loadRoom(db, roomIdIn, me);
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
  return { added: added.map(toMemberResponse(me)), already_members: already };
}

/** Makes a member an admin or a plain member (owner or system admin; not yourself, never the owner). */
export async function setRole(c: Caller, roomId: number, memberId: number, role: "member" | "admin") {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  require(canManageRoom(access), "Only the owner can change roles");
  if (memberId === c.var.user.id) throw forbidden("You cannot change your own role", "cannot_change_own_role");
  const target = await activeMember(db, access.room.id, memberId);
  if (target.m.role === "owner") throw forbidden("The owner's role cannot be changed", "cannot_change_owner");
  const done = await db
    .update(roomMembers)
    .set({ role })
    .where(and(eq(roomMembers.id, target.m.id), eq(roomMembers.status, "active"), ne(roomMembers.role, "owner")))
    .returning({ id: roomMembers.id });
  if (!done.length) throw membershipChanged();
  return toMemberResponse(c.var.user)({ ...target, m: { ...target.m, role } });
}

/**
 * Removes a member: the owner and system admins remove anyone but the owner, room admins remove
 * plain members, anyone removes themself (not the owner).
 */
export async function removeMember(c: Caller, roomId: number, memberId: number) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  const self = memberId === c.var.user.id;
  require(self || canModerate(access), "You cannot remove members from this room");
  const target = await activeMember(db, access.room.id, memberId);
  if (target.m.role === "owner") throw forbidden("The owner cannot be removed; transfer ownership first", "cannot_remove_owner");
  if (!self && !canManageRoom(access) && target.m.role !== "member") throw forbidden("Room admins can only remove plain members");
  await deactivate(c, db, access, memberId, target.m.role, self ? "left" : "removed");
}

/** Hands the room to another active member; the old owner becomes an admin. */
export async function transferOwnership(c: Caller, roomIdIn: number, userId: number) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomIdIn, c.var.user);
  require(canManageRoom(access), "Only the owner can transfer ownership");
  const oldOwner = access.room.creatorId;
  if (userId === oldOwner) throw badRequest("already_owner", "That user already owns the room");
  const target = await activeMember(db, access.room.id, userId);
  const roomId = access.room.id;
  // Guarded so that concurrent transfers (or the target leaving meanwhile) cannot leave two
  // owners: the roles move only if the room statement, which checks both, did.
  const handedOver = sql`(SELECT r.creator_id FROM ${rooms} r WHERE r.id = ${roomId}) = ${userId}`;
  const [moved] = await db.batch([
    db
      .update(rooms)
      .set({ creatorId: userId, updatedAt: new Date().toISOString() })
      .where(
        and(eq(rooms.id, roomId), eq(rooms.creatorId, oldOwner), sql`EXISTS (SELECT 1 FROM ${roomMembers} m WHERE m.id = ${target.m.id} AND m.status = 'active')`),
      )
      .returning({ id: rooms.id }),
    db.update(roomMembers).set({ role: "admin" }).where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, oldOwner), handedOver)),
    db.update(roomMembers).set({ role: "owner" }).where(and(eq(roomMembers.id, target.m.id), handedOver)),
  ]);
  if (!moved.length) throw conflict("ownership_changed", "The room's owner or the new owner's membership changed meanwhile; try again");
  return toMemberResponse(c.var.user)({ ...target, m: { ...target.m, role: "owner" } });
}
