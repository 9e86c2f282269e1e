// The D1 reads of room memberships: how many are active (a SQL fragment for capacity checks in a
// single statement), members with their accounts for the API, and the facts a bulk add decides on.
// No rules here; members/service.ts decides. Below them, the statements the room object runs on
// room_members (read positions, per-member presence, the re-check of an upgrade): raw D1 on
// purpose, as the room batches them with its summary write.
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

/** Moves an active member's read position forward (never back); null when they are not one. */
export const advanceReadPosition = (d1: D1Database, roomId: number, userId: number, messageId: number, threadSeq: number, at: string) =>
  d1
    .prepare(
      `UPDATE room_members SET last_read_message_id = max(last_read_message_id, ?1), last_active_at = ?2, ${THREAD_ONLY_READ}
       WHERE room_id = ?3 AND user_id = ?4 AND status = 'active' RETURNING last_read_message_id AS position, thread_only_read AS thread_seq`,
    )
    .bind(messageId, at, roomId, userId, threadSeq)
    .first<{ position: number; thread_seq: number }>();

/** A sender has read everything up to their own latest message (the summary's batch). */
export const senderHasRead = (d1: D1Database, roomId: number, userId: number, messageId: number, threadSeq: number, at: string) =>
  d1
    .prepare(`UPDATE room_members SET last_read_message_id = max(last_read_message_id, ?1), last_active_at = ?2, ${THREAD_ONLY_READ} WHERE room_id = ?3 AND user_id = ?4`)
    .bind(messageId, at, roomId, userId, threadSeq);

/** The thread-only replies at the read position move with it (?1: the new position, ?5: its thread_seq; threads/queries.ts). */
const THREAD_ONLY_READ = "thread_only_read = CASE WHEN ?1 > last_read_message_id THEN ?5 ELSE thread_only_read END";

/**
 * Per-member presence, for "who is online" across rooms: the online rows that went offline
 * (room_members_room_online_idx), then the sockets' users by key. Never a scan of the room's
 * whole membership. `online` is the JSON array of the room's online user ids.
 */
export const memberPresence = (d1: D1Database, roomId: number, online: string) => [
  d1.prepare("UPDATE room_members SET online = 0 WHERE room_id = ?2 AND online = 1 AND user_id NOT IN (SELECT value FROM json_each(?1))").bind(online, roomId),
  d1.prepare("UPDATE room_members SET online = 1 WHERE room_id = ?2 AND user_id IN (SELECT value FROM json_each(?1)) AND online = 0").bind(online, roomId),
];

export type UpgradeCheck = { version: number; blocked: number; tokenVersion: number; archived: number; archiveVersion: number; session: number };

/**
 * The room object's own look at an upgrade the worker admitted: the user is still an active
 * member (null: not), their token version and session, and the room's block and archive state
 * with their versions (so a sync that was lost on the way is made good here).
 */
export const upgradeCheck = (d1: D1Database, roomId: number, userId: number, sessionId: string) =>
  d1
    .prepare(
      `SELECT r.block_version AS version, CASE WHEN r.kind = 'direct' AND r.block_version > 0 THEN EXISTS (
           SELECT 1 FROM room_members o JOIN blocks b ON (b.blocker_id = o.user_id AND b.blocked_id = ?2) OR (b.blocker_id = ?2 AND b.blocked_id = o.user_id)
           WHERE o.room_id = r.id AND o.user_id <> ?2) ELSE 0 END AS blocked
            , u.token_version AS tokenVersion, r.archived_at IS NOT NULL AS archived, r.archive_version AS archiveVersion
            , EXISTS (SELECT 1 FROM sessions s WHERE s.id = ?3 AND s.user_id = ?2) AS session
       FROM room_members m JOIN rooms r ON r.id = m.room_id JOIN users u ON u.id = m.user_id
       WHERE m.room_id = ?1 AND m.user_id = ?2 AND m.status = 'active'`,
    )
    .bind(roomId, userId, sessionId)
    .first<UpgradeCheck>();

/**
 * Up to 100 active member ids per room (by join order) for the rooms among `roomIds`: one
 * query whatever the number of rooms (a window per room), ids bound as one JSON parameter.
 */
export const firstMemberIds = (db: Db, roomIds: number[]) =>
  db.all<{ room_id: number; user_id: number }>(sql`
    SELECT room_id, user_id FROM (
      SELECT ${roomMembers.roomId} AS room_id, ${roomMembers.userId} AS user_id,
        row_number() OVER (PARTITION BY ${roomMembers.roomId} ORDER BY ${roomMembers.id}) AS n
      FROM ${roomMembers}
      WHERE ${roomMembers.roomId} IN (SELECT value FROM json_each(${JSON.stringify(roomIds)})) AND ${roomMembers.status} = 'active')
    WHERE n <= 100`);
