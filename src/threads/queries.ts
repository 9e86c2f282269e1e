// The D1 side of threads (docs/threads.md): the main unread count that leaves thread-only replies
// out, the room list's thread_unread_count written by the room object, and thread_reply
// notifications. Statements for the room's own batches; no query per thread or per recipient.
import { sql, type AnyColumn, type SQL } from "drizzle-orm";

/** Unread in the main timeline: ids after the read position, less the thread-only replies among them. */
export const mainUnread = (r: { lastMessageId: number; threadOnlyCount: number }, m: { lastRead: number; threadOnlyRead: number }) =>
  Math.max(0, r.lastMessageId - m.lastRead - Math.max(0, r.threadOnlyCount - m.threadOnlyRead));

/** mainUnread as SQL, over a rooms row and a room_members row. */
type Col = AnyColumn | SQL;
export const mainUnreadSql = (r: { lastMessageId: Col; threadOnlyCount: Col }, m: { lastReadMessageId: Col; threadOnlyRead: Col }) =>
  sql<number>`max(0, ${r.lastMessageId} - ${m.lastReadMessageId} - max(0, ${r.threadOnlyCount} - ${m.threadOnlyRead}))`;

/** Each user's unread replies in the threads they follow, as the room counted them (one statement). */
export const writeThreadTotals = (d1: D1Database, roomId: number, totals: { user_id: number; n: number }[]) =>
  d1
    .prepare(
      `UPDATE room_members SET thread_unread_count = (SELECT json_extract(j.value, '$.n') FROM json_each(?1) j WHERE json_extract(j.value, '$.user_id') = room_members.user_id)
       WHERE room_id = ?2 AND user_id IN (SELECT json_extract(value, '$.user_id') FROM json_each(?1))`,
    )
    .bind(JSON.stringify(totals), roomId);

export type ThreadNotice = { user_id: number; root_id: number; message_id: number; sender_name: string; preview: string };

/**
 * "<sender> replied in a thread in <room>" for each follower the room picked (at most one per
 * thread until they read it: the room keeps that mark), active members who want mentions only:
 * thread replies share the mention preference. RETURNING the notified users, to poke their sockets.
 */
export const threadNotifications = (d1: D1Database, roomId: number, notices: ThreadNotice[]) =>
  d1
    .prepare(
      `INSERT INTO notifications (user_id, type, title, content, room_id, message_id)
       SELECT u.id, 'thread_reply',
         json_extract(j.value, '$.sender_name') || CASE WHEN r.kind = 'direct' THEN ' replied in a thread' ELSE ' replied in a thread in ' || r.name END,
         json_extract(j.value, '$.preview'), r.id, json_extract(j.value, '$.message_id')
       FROM json_each(?1) j
       JOIN rooms r ON r.id = ?2
       JOIN users u ON u.id = json_extract(j.value, '$.user_id')
       JOIN room_members m ON m.room_id = r.id AND m.user_id = u.id AND m.status = 'active'
       WHERE u.notify_mention = 1
         -- Runs before the summary moves the room's last_message_id: a repeated write notifies nobody twice.
         AND json_extract(j.value, '$.message_id') > r.last_message_id
       RETURNING user_id`,
    )
    .bind(JSON.stringify(notices), roomId);
