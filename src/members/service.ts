// Leaving and removing members, shared by the core routes and the dialects. Anyone who loses
// access has their sockets closed by the room object at once.
import { and, eq, ne } from "drizzle-orm";
import { getDb, type Db } from "../db/client";
import { roomMembers, type MemberRow } from "../db/schema";
import { conflict, forbidden, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { retryOnce, roomStub } from "../room/client";
import { canView, isOwner, loadRoom, require, type RoomAccess } from "../rooms/access";
import { memberPage } from "./routes";

export const membershipChanged = () => conflict("membership_changed", "This membership changed meanwhile; reload and try again");

/**
 * Marks the membership inactive (history of who was here is kept) and closes the user's sockets.
 * Guarded by the role the caller saw, so a concurrent promotion or ownership transfer wins.
 */
export async function removeMember(c: { env: Env }, db: Db, access: RoomAccess, userId: number, seenRole: MemberRow["role"]) {
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
  await retryOnce(() => roomStub(c.env, access.room.id).kick(userId));
}

/** The caller leaves a group room: 403 owner_cannot_leave for the owner, 404 not_a_member for a non-member. */
export async function leaveRoom(c: Caller, roomId: number) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  if (isOwner(access)) throw forbidden("The owner cannot leave; transfer ownership first", "owner_cannot_leave");
  if (!access.role) throw notFound("Membership", "not_a_member");
  await removeMember(c, db, access, c.var.user.id, access.role);
}

/** A page of a room's active members (owner, active members and system admins may look), in list order. */
export async function listMembers(c: Caller, roomId: number, page: { limit: number; offset: number }) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user, { kinds: ["group", "direct"] });
  require(canView(access), "Only members can see the member list", "not_a_member");
  return memberPage(db, access.room.id, page).all();
}
