// The mention rows' D1 statements (table `mentions`, docs/messages.md#mentions): written by the
// room's summary write, counted per room for the room list and the inbox, listed across rooms
// for GET /users/me/mentions, and forgotten or re-quoted with their message.
import { sql, type AnyColumn, type SQL } from "drizzle-orm";
import { batchRun, type Db } from "../db/client";
import { mentions } from "../db/schema";
import type { Mention } from "../notifications/queries";
import type { MassMention } from "../room/mentions";

/** A message's mentions as the summary write hands them over: its @names and its mass form. */
export type MentionedMessage = Mention & { everyone: MassMention | null; sent_at: string };

/**
 * One statement for every mention in a batch of messages: a row per @name that is an active member
 * (not the sender, no block either way; not covered by the message's @all, or by its @here when
 * online), and a row per @here / @all message, whatever the room's size. `here` is the JSON array
 * of who has a room socket open. Runs before the summary moves rooms.last_message_id, so a
 * repeated write adds nothing (the unique index catches the rest).
 */
const ROWS_SQL = `INSERT OR IGNORE INTO mentions (room_id, message_id, user_id, kind, here_ids, sender_id, sender_name, preview, created_at)
  SELECT r.id, json_extract(j.value, '$.message_id'), u.id, 'user', NULL, json_extract(j.value, '$.sender_id'),
    json_extract(j.value, '$.sender_name'), json_extract(j.value, '$.preview'), json_extract(j.value, '$.sent_at')
  FROM json_each(?1) j
  JOIN json_each(json_extract(j.value, '$.names')) n
  JOIN rooms r ON r.id = ?2
  JOIN users u ON lower(u.username) = n.value
  JOIN room_members m ON m.room_id = r.id AND m.user_id = u.id AND m.status = 'active'
  WHERE u.id <> json_extract(j.value, '$.sender_id')
    AND json_extract(j.value, '$.message_id') > r.last_message_id
    AND coalesce(json_extract(j.value, '$.everyone'), '') <> 'all'
    AND NOT (json_extract(j.value, '$.everyone') = 'here' AND EXISTS (SELECT 1 FROM json_each(?3) h WHERE h.value = u.id))
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = u.id AND b.blocked_id = json_extract(j.value, '$.sender_id'))
                                           OR (b.blocker_id = json_extract(j.value, '$.sender_id') AND b.blocked_id = u.id))
  UNION ALL
  SELECT r.id, json_extract(j.value, '$.message_id'), NULL, json_extract(j.value, '$.everyone'),
    CASE WHEN json_extract(j.value, '$.everyone') = 'here' THEN ?3 END, json_extract(j.value, '$.sender_id'),
    json_extract(j.value, '$.sender_name'), json_extract(j.value, '$.preview'), json_extract(j.value, '$.sent_at')
  FROM json_each(?1) j
  JOIN rooms r ON r.id = ?2
  WHERE json_extract(j.value, '$.everyone') IN ('here', 'all') AND json_extract(j.value, '$.message_id') > r.last_message_id`;

export const mentionRows = (d1: D1Database, roomId: number, batch: MentionedMessage[], hereIds: string) =>
  d1.prepare(ROWS_SQL).bind(JSON.stringify(batch), roomId, hereIds);

/**
 * The mention rows that are `userId`'s (alias `x` of mentions): their own @name, an @all, an @here
 * they were online for; never their own message, nor one from before they joined.
 */
const mine = (userId: number, joinedAt: AnyColumn | SQL) => sql`x.sender_id <> ${userId} AND x.created_at >= ${joinedAt}
  AND (x.user_id = ${userId} OR (x.user_id IS NULL AND (x.kind = 'all' OR EXISTS (SELECT 1 FROM json_each(x.here_ids) h WHERE h.value = ${userId}))))`;

/**
 * A member's mention count in a room, as a correlated subquery of a room list: their mentions
 * after their read position (and their cleared-history mark). Reading clears it: nothing to write.
 * Reads the room's unread mention rows through the (room_id, message_id) index.
 */
export const mentionCount = (roomId: AnyColumn, m: { userId: number; lastRead: AnyColumn; cleared: AnyColumn; joinedAt: AnyColumn }) =>
  sql<number>`(SELECT count(*) FROM ${mentions} x WHERE x.room_id = ${roomId} AND x.message_id > max(${m.lastRead}, ${m.cleared}) AND ${mine(m.userId, m.joinedAt)})`;

export type MentionRow = {
  id: number;
  room_id: number;
  room_kind: "group" | "direct";
  room_name: string;
  message_id: number;
  kind: "user" | "here" | "all";
  sender_id: number;
  sender_name: string;
  preview: string | null;
  created_at: string;
  read: number;
};

/**
 * A page of the user's mentions across their active rooms, newest message first (rooms write
 * their rows a second late and in any order, so by the message's time, then row id), after the
 * row `before` in that order. Messages they cleared are left out.
 */
export async function listMentions(db: Db, userId: number, opts: { before?: number; limit: number }): Promise<MentionRow[]> {
  return db.all<MentionRow>(sql`SELECT x.id, x.room_id, r.kind AS room_kind, r.name AS room_name, x.message_id, x.kind, x.sender_id,
      x.sender_name, x.preview, x.created_at, x.message_id <= m.last_read_message_id AS read
    FROM ${mentions} x
    JOIN room_members m ON m.room_id = x.room_id AND m.user_id = ${userId} AND m.status = 'active'
    JOIN rooms r ON r.id = x.room_id
    WHERE ${mine(userId, sql`m.joined_at`)} AND x.message_id > m.cleared_message_id
      ${opts.before ? sql`AND (x.created_at, x.id) < (SELECT b.created_at, b.id FROM ${mentions} b WHERE b.id = ${opts.before})` : sql``}
    ORDER BY x.created_at DESC, x.id DESC LIMIT ${opts.limit}`);
}

/** A deleted message takes its mention rows with it (they quote it). */
export const forgetMentionRows = (db: Db, roomId: number, messageId: number) =>
  batchRun(db, sql`DELETE FROM ${mentions} WHERE room_id = ${roomId} AND message_id = ${messageId}`);

/** An edited message's mention rows quote its new text. */
export const refreshMentionRows = (db: Db, roomId: number, messageId: number, text: string | null, previewChars = 200) =>
  batchRun(db, sql`UPDATE ${mentions} SET preview = ${text ? text.slice(0, previewChars) : null} WHERE room_id = ${roomId} AND message_id = ${messageId}`);
