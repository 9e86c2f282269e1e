// Who may do what in a room. Every room route loads the room and the caller's membership in one
// query, then asks these predicates; the room object never decides permissions itself.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { roomMembers, rooms, type RoomRow } from "../db/schema";
import type { AuthUser } from "../http/app-env";
import { badRequest, forbidden, notFound, type CodeWith } from "../http/errors";
import { admitMember } from "../members/admit";
import { activeCount } from "../members/queries";

export type Role = "owner" | "admin" | "member";
export type RoomAccess = {
  room: RoomRow;
  /** The caller's role when they are an active member, else null. */
  role: Role | null;
  /** Messages up to this id are cleared from the caller's view (0: none; see clear-history). */
  cleared: number;
  user: AuthUser;
};

export async function loadRoom(db: Db, roomId: number, user: AuthUser, opts: { kinds?: RoomRow["kind"][] } = {}): Promise<RoomAccess> {
  const row = await db
    .select({ room: rooms, role: roomMembers.role, cleared: roomMembers.clearedMessageId })
    .from(rooms)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, user.id), eq(roomMembers.status, "active")))
    .where(eq(rooms.id, roomId))
    .get();
  if (!row) throw notFound("Room");
  if (!(opts.kinds ?? ["group"]).includes(row.room.kind)) {
    // Its two members know the chat exists: tell them why instead of pretending it does not.
    if (row.room.kind === "direct" && row.role) throw directRefusal();
    throw notFound("Room");
  }
  let role = row.role ?? null;
  // The global room admits every signed-in user on their first touch (rooms/global.ts).
  if (row.room.isGlobal && !role) {
    await admitMember(db, row.room.id, user.id);
    const now = await db
      .select({ role: roomMembers.role })
      .from(roomMembers)
      .where(and(eq(roomMembers.roomId, row.room.id), eq(roomMembers.userId, user.id), eq(roomMembers.status, "active")))
      .get();
    role = now?.role ?? null;
  }
  return { room: row.room, role, cleared: row.cleared ?? 0, user };
}

const directRefusal = () =>
  badRequest(
    "direct_conversation",
    "Direct conversations cannot be renamed, deleted, joined, left or moderated; hide one with PUT /chat-rooms/{room_id}/settings",
  );

/** The owner of a group room. The global room has none (system admins manage it); a direct chat has none: creator_id there is only a record of who opened it. */
export const isOwner = (a: RoomAccess) => a.room.kind === "group" && !a.room.isGlobal && a.room.creatorId === a.user.id;
/** Owner or system admin: may change the room itself and anyone's role. */
export const canManageRoom = (a: RoomAccess) => isOwner(a) || a.user.isAdmin;
/** Owner, room admin or system admin: may process join requests and remove plain members. */
export const canModerate = (a: RoomAccess) => canManageRoom(a) || a.role === "admin";
/** Owner, active member or system admin: may read the room. */
export const canView = (a: RoomAccess) => isOwner(a) || a.role !== null || a.user.isAdmin;
/** Owner or active member (system admins read but do not post as members). */
export const canPost = (a: RoomAccess) => isOwner(a) || a.role !== null;

export function require(ok: boolean, detail?: string, code?: CodeWith<403>) {
  if (!ok) throw forbidden(detail, code);
}

/** An archived room is read-only: nobody posts, edits, reacts, types or joins (403 room_archived). */
export function requireActive(a: RoomAccess) {
  if (a.room.archivedAt !== null) throw forbidden("This room is archived: it is read-only", "room_archived");
}

/** A user's role in a room while an active member, else null. */
export async function activeRole(db: Db, roomId: number, userId: number): Promise<Role | null> {
  const row = await db
    .select({ role: roomMembers.role })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId), eq(roomMembers.status, "active")))
    .get();
  return row?.role ?? null;
}

/** Rooms up to this size let every member use @here and @all unless the room says otherwise. */
export const MASS_MENTIONS_DEFAULT_MAX_MEMBERS = 50;

/**
 * May the caller use @here / @all? The owner, room admins and system admins always; in a direct
 * chat both people (it reaches one person); otherwise the room's allow_mass_mentions, and where it
 * is unset (null), rooms of up to MASS_MENTIONS_DEFAULT_MAX_MEMBERS active members. The count is
 * read only in that last case.
 */
export async function canMentionEveryone(db: Db, a: RoomAccess): Promise<boolean> {
  if (canModerate(a) || a.room.kind === "direct") return true;
  if (a.room.allowMassMentions !== null) return a.room.allowMassMentions;
  const row = await db.select({ n: sql<number>`${activeCount(a.room.id)}` }).from(rooms).where(eq(rooms.id, a.room.id)).get();
  return (row?.n ?? 0) <= MASS_MENTIONS_DEFAULT_MAX_MEMBERS;
}
