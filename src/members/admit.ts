// Making someone an active member, as one guarded statement: it inserts or reactivates the
// membership only while the room has room (max_members) and the given guard holds, so concurrent
// approvals can never overfill a room, and never while the user is banned from it or the room is
// archived (an archive that lands between a caller's check and this write still wins). Callers batch
// it with the write that justifies it.
import { sql, type SQL } from "drizzle-orm";
import { bannedFrom } from "../bans/queries";
import { batchRun, type Db } from "../db/client";
import { roomMembers, rooms } from "../db/schema";
import { activeCount } from "./queries";

export function admitMember(db: Db, roomId: number, userId: number, guard: SQL = sql`1`) {
  // New members start with everything before their arrival counted as read.
  return batchRun(db, sql`
    INSERT INTO ${roomMembers} (room_id, user_id, role, status, joined_at, last_read_message_id, thread_only_read)
    SELECT ${roomId}, ${userId}, 'member', 'active', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), r.last_message_id, r.thread_only_count
    FROM ${rooms} r
    WHERE r.id = ${roomId}
      AND r.archived_at IS NULL
      AND (r.max_members IS NULL OR ${activeCount(roomId)} < r.max_members)
      AND NOT ${bannedFrom(roomId, userId)}
      AND ${guard}
    ON CONFLICT (room_id, user_id) DO UPDATE SET
      status = 'active', role = 'member', joined_at = excluded.joined_at,
      last_read_message_id = excluded.last_read_message_id, thread_only_read = excluded.thread_only_read, last_active_at = NULL, hidden = 0
    WHERE ${roomMembers}.status <> 'active'`);
}

/** SQL condition: the user is an active member of the room (after an admission, did it take?). */
export const isActiveMember = (roomId: number, userId: number) =>
  sql`EXISTS (SELECT 1 FROM ${roomMembers} WHERE ${roomMembers.roomId} = ${roomId} AND ${roomMembers.userId} = ${userId} AND ${roomMembers.status} = 'active')`;

/** True when the room is at capacity (null max_members = unlimited). */
export const isFull = (room: { maxMembers: number | null }, count: number) => room.maxMembers !== null && count >= room.maxMembers;
