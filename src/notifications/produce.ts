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

/** A deleted message takes its mentions with it (their preview quotes it). */
export const forgetMentions = (db: Db, roomId: number, messageId: number) =>
  db.delete(notifications).where(and(eq(notifications.roomId, roomId), eq(notifications.messageId, messageId), eq(notifications.type, "mention")));

/** An edited message's mentions quote its new text. */
export const refreshMentions = (db: Db, roomId: number, messageId: number, text: string | null, previewChars = 200) =>
  db
    .update(notifications)
    .set({ content: text ? text.slice(0, previewChars) : null })
    .where(and(eq(notifications.roomId, roomId), eq(notifications.messageId, messageId), eq(notifications.type, "mention")));
