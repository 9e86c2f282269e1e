// Why someone may not enter a room, read in one query and turned into the API's refusals. Shared by
// invitations and invite codes; the guarded admission statement (src/members/admit.ts) re-checks
// capacity and bans at write time, so these reads only choose the error message.
import { sql } from "drizzle-orm";
import { bannedFrom } from "../bans/queries";
import { blockBetween } from "../blocks/queries";
import { cannotBringIn } from "../friends/queries";
import type { Db } from "../db/client";
import { roomInvitations, users } from "../db/schema";
import { ApiError, badRequest, conflict, forbidden, notFound } from "../http/errors";
import { isActiveMember } from "../members/admit";
import { activeCount } from "../members/queries";

export type AdmissionFacts = { exists: number; member: number; banned: number; blocked: number; invited: number; active: number };

/**
 * Facts about `userId` entering `roomId`; `counterpart` is whoever brings them in. `brought`: they
 * are put in by someone else (an invitation), so their dm_policy counts too (cannotBringIn); with
 * an invite code they step in themselves, and only a block with the code's creator counts.
 */
export async function admissionFacts(db: Db, roomId: number, userId: number, counterpart: number | null, brought = true): Promise<AdmissionFacts> {
  const row = await db.get<AdmissionFacts>(sql`SELECT
    EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${userId}) AS "exists",
    ${isActiveMember(roomId, userId)} AS member,
    ${bannedFrom(roomId, userId)} AS banned,
    ${counterpart === null ? sql`0` : brought ? cannotBringIn(userId, counterpart) : blockBetween(userId, counterpart)} AS blocked,
    EXISTS (SELECT 1 FROM ${roomInvitations} WHERE ${roomInvitations.roomId} = ${roomId} AND ${roomInvitations.inviteeId} = ${userId} AND ${roomInvitations.status} = 'pending') AS invited,
    ${activeCount(roomId)} AS active`);
  return row!;
}

export const roomFull = () => conflict("room_full", "The room has reached its member limit");
export const bannedError = () => forbidden("Banned from this room", "banned");
/** Deliberately the same refusal whoever blocked whom, so a block does not reveal itself. */
export const blockedError = () => forbidden();

/** The first reason the user cannot be admitted, or null. `checkPending` refuses a second pending invitation. */
export function admissionRefusal(f: AdmissionFacts, maxMembers: number | null, opts: { checkPending?: boolean } = {}): ApiError | null {
  if (!f.exists) return notFound("User", "user_not_found");
  if (f.member) return badRequest("already_member", "Already a member of this room");
  if (f.banned) return bannedError();
  if (f.blocked) return blockedError();
  if (opts.checkPending && f.invited) return conflict("invitation_pending", "This user already has a pending invitation to this room");
  if (maxMembers !== null && f.active >= maxMembers) return roomFull();
  return null;
}
