// Room bans, for every door: ban a user (membership deactivated, pending applications and
// invitations rejected, sockets closed), list bans, lift a ban. Admission paths refuse banned
// users (src/members/admit.ts).
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { joinRequests, roomBans, roomInvitations, roomMembers, users } from "../db/schema";
import { badRequest, conflict, forbidden, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { retryOnce, roomStub } from "../room/client";
import { canManageRoom, canModerate, loadRoom, require } from "../rooms/access";
import { bannedFrom, selectBans, toBan, type Ban } from "./queries";

export type { Ban };

const alreadyBanned = () => conflict("already_banned", "This user is already banned from the room");
const moderatorsOnly = "Only the owner and room admins can manage bans";

/** Bans a user: the owner and system admins ban anyone but the owner, room admins plain members and non-members. */
export async function ban(c: Caller, roomIdAsked: number, { user_id, reason }: { user_id: number; reason?: string | null }): Promise<Ban> {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  const access = await loadRoom(db, roomIdAsked, me);
  require(canModerate(access), moderatorsOnly);
  const roomId = access.room.id;
  if (user_id === me.id) throw badRequest("cannot_ban_self", "You cannot ban yourself");
  const target = await db
    .select({ id: users.id, role: roomMembers.role, banned: sql<number>`${bannedFrom(roomId, users.id)}` })
    .from(users)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, users.id), eq(roomMembers.status, "active")))
    .where(eq(users.id, user_id))
    .get();
  if (!target) throw notFound("User", "user_not_found");
  if (user_id === access.room.creatorId) throw forbidden("The owner cannot be banned", "cannot_ban_owner");
  if (!canManageRoom(access) && target.role && target.role !== "member")
    throw forbidden("Room admins can only ban plain members and non-members");
  if (target.banned) throw alreadyBanned();

  const now = new Date().toISOString();
  const rejected = { status: "rejected" as const, processedAt: now, processedById: me.id };
  try {
    // The ban row goes first: if a concurrent ban already exists the whole batch rolls back.
    await db.batch([
      db.insert(roomBans).values({ roomId, userId: user_id, bannedById: me.id, reason: reason || null }),
      db
        .update(roomMembers)
        .set({ status: "inactive", role: "member" })
        .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, user_id))),
      db
        .update(joinRequests)
        .set(rejected)
        .where(and(eq(joinRequests.roomId, roomId), eq(joinRequests.applicantId, user_id), eq(joinRequests.status, "pending"))),
      db
        .update(roomInvitations)
        .set(rejected)
        .where(and(eq(roomInvitations.roomId, roomId), eq(roomInvitations.inviteeId, user_id), eq(roomInvitations.status, "pending"))),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw alreadyBanned();
    throw e;
  }
  await retryOnce(() => roomStub(c.env, roomId).kick(user_id, "banned"));
  const row = await selectBans(db)
    .where(and(eq(roomBans.roomId, roomId), eq(roomBans.userId, user_id)))
    .get();
  return toBan(row!);
}

/** A room's bans, newest first (owner, room admins, system admins). */
export async function listBans(c: Caller, roomId: number, page: { limit: number; offset: number }): Promise<Ban[]> {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  require(canModerate(access), moderatorsOnly);
  const rows = await selectBans(db).where(eq(roomBans.roomId, access.room.id)).orderBy(desc(roomBans.id)).limit(page.limit).offset(page.offset).all();
  return rows.map(toBan);
}

/** Lifts a ban (404 ban_not_found); the membership is not restored. */
export async function liftBan(c: Caller, roomId: number, userId: number): Promise<void> {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  require(canModerate(access), moderatorsOnly);
  const gone = await db
    .delete(roomBans)
    .where(and(eq(roomBans.roomId, access.room.id), eq(roomBans.userId, userId)))
    .returning({ id: roomBans.id })
    .all();
  if (!gone.length) throw notFound("Ban", "ban_not_found");
}
