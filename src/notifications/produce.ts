// Where notifications come from. Each producer is one statement that goes into the batch of the
// write that causes it, so a notification exists exactly when its cause does, and it honours the
// recipient's preferences (users.notify_*) in the statement itself.
import { and, eq, sql, type SQL } from "drizzle-orm";
import { batchRun, type Db } from "../db/client";
import { notifications, rooms, users } from "../db/schema";

/**
 * "<actor> added you to <room>" for each user in `userIds` (a JSON array), when `onlyIf` holds at
 * that point of the batch (e.g. the admission took).
 */
export function addedToRoom(db: Db, userIds: number[], roomId: number, actorId: number, onlyIf: SQL = sql`1`) {
  return batchRun(db, sql`INSERT INTO ${notifications} (user_id, type, title, room_id, actor_id)
    SELECT u.id, 'room_invite', coalesce(a.username, 'Someone') || ' added you to ' || r.name, r.id, a.id
    FROM ${users} u JOIN ${rooms} r ON r.id = ${roomId} LEFT JOIN ${users} a ON a.id = ${actorId}
    WHERE u.id IN (SELECT value FROM json_each(${JSON.stringify(userIds)})) AND u.notify_room_invite = 1 AND ${onlyIf}`);
}

/** The usernames a message mentions (`@name`), lower-cased, at most 20. */
export function mentionsIn(text: string | null): string[] {
  if (!text || !text.includes("@")) return [];
  const names = new Set<string>();
  for (const m of text.matchAll(/(?:^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})/g)) {
    // "@bob." at the end of a sentence is bob, unless a user is really called "bob.": ask for both.
    const name = m[1].toLowerCase();
    names.add(name);
    names.add(name.replace(/[.-]+$/, ""));
    if (names.size >= 20) break;
  }
  return [...names].filter((n) => n.length >= 3).slice(0, 20);
}

/**
 * One D1 statement for every mention in a batch of messages (the room's summary write): each
 * mentioned user who is an active member of the room, not the sender, and wants mentions.
 * `mentions` is [{message_id, sender_id, sender_name, preview, names}].
 */
export const MENTIONS_SQL = `INSERT INTO notifications (user_id, type, title, content, room_id, message_id, actor_id)
  SELECT m.user_id, 'mention',
    json_extract(j.value, '$.sender_name') || CASE WHEN r.kind = 'direct' THEN ' mentioned you' ELSE ' mentioned you in ' || r.name END,
    json_extract(j.value, '$.preview'), r.id, json_extract(j.value, '$.message_id'), s.id
  FROM json_each(?1) j
  JOIN json_each(json_extract(j.value, '$.names')) n
  JOIN rooms r ON r.id = ?2
  JOIN users u ON lower(u.username) = n.value
  JOIN room_members m ON m.room_id = r.id AND m.user_id = u.id AND m.status = 'active'
  -- The sender may have deleted their account since: the actor is then unknown (null), and the
  -- foreign key never fails the room's summary write.
  LEFT JOIN users s ON s.id = json_extract(j.value, '$.sender_id')
  WHERE u.id <> json_extract(j.value, '$.sender_id') AND u.notify_mention = 1
    -- Runs before the summary moves the room's last_message_id: a repeated write notifies nobody twice.
    AND json_extract(j.value, '$.message_id') > r.last_message_id
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = u.id AND b.blocked_id = json_extract(j.value, '$.sender_id'))
                                           OR (b.blocker_id = json_extract(j.value, '$.sender_id') AND b.blocked_id = u.id))
  -- Who to poke on their own socket (src/realtime).
  RETURNING user_id`;

/** A deleted message takes its mentions with it (their preview quotes it). */
export const forgetMentions = (db: Db, roomId: number, messageId: number) =>
  db.delete(notifications).where(and(eq(notifications.roomId, roomId), eq(notifications.messageId, messageId), eq(notifications.type, "mention")));

/** An edited message's mentions quote its new text. */
export const refreshMentions = (db: Db, roomId: number, messageId: number, text: string | null, previewChars = 200) =>
  db
    .update(notifications)
    .set({ content: text ? text.slice(0, previewChars) : null })
    .where(and(eq(notifications.roomId, roomId), eq(notifications.messageId, messageId), eq(notifications.type, "mention")));
