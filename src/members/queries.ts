// The D1 reads of room memberships: how many are active (a SQL fragment for capacity checks in a
// single statement), members with their accounts for the API, and the facts a bulk add decides on.
// No rules here; members/service.ts decides.
import { and, asc, eq, sql, type SQLWrapper } from "drizzle-orm";
import { bannedFrom } from "../bans/queries";
import type { Db, RowOf } from "../db/client";
import { roleRank, roomMembers, users } from "../db/schema";
import { cannotBringIn } from "../friends/queries";
import { notFound } from "../http/errors";

/** Active members right now, for capacity checks in a single statement. */
export const activeCount = (roomId: number | SQLWrapper) =>
  sql`(SELECT count(*) FROM ${roomMembers} WHERE ${roomMembers.roomId} = ${roomId} AND ${roomMembers.status} = 'active')`;

export const selectMembers = (db: Db) =>
  db
    .select({ m: roomMembers, name: users.username, displayName: users.displayName, email: users.email, avatar: users.avatarUrl })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId));

export type MemberJoinRow = RowOf<typeof selectMembers>;

/** A page of a room's active members in list order, read off room_members_roster_idx. */
export const memberPage = (db: Db, roomId: number, page: { limit: number; offset: number }) =>
  selectMembers(db)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.status, "active")))
    .orderBy(roleRank(roomMembers.role), asc(roomMembers.joinedAt), asc(roomMembers.id))
    .limit(page.limit)
    .offset(page.offset);

/** An active member with their account, or 404 member_not_found. */
export async function activeMember(db: Db, roomId: number, userId: number) {
  const row = await selectMembers(db)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId), eq(roomMembers.status, "active")))
    .get();
  if (!row) throw notFound("Member", "member_not_found");
  return row;
}

/** Per user: exists, already an active member, banned, blocked with the caller; and the room's active count. One query. */
export async function bulkFacts(db: Db, roomId: number, ids: number[], caller: number) {
  const j = sql`j.value`;
  return db.all<{ id: number; exists: number; member: number; banned: number; blocked: number; active: number }>(sql`
    SELECT j.value AS id, EXISTS (SELECT 1 FROM ${users} u WHERE u.id = j.value) AS "exists",
      EXISTS (SELECT 1 FROM ${roomMembers} m WHERE m.room_id = ${roomId} AND m.user_id = j.value AND m.status = 'active') AS member,
      ${bannedFrom(roomId, j)} AS banned, ${cannotBringIn(j, caller)} AS blocked, ${activeCount(roomId)} AS active
    FROM json_each(${JSON.stringify(ids)}) j`);
}
