// "New message" notifications without a write per member per send: one derived notification per
// group room where the caller has unread messages, read from what D1 already keeps, the room's
// summary (its last message, written behind by the room object) against the member's read
// position. Nothing is stored: reading the room up to its last message (markRead) is what marks it
// read, and then it is no longer listed. Its id is the global id of the room's last message
// (room id × 10^9 + message id), so it never collides with a stored notification's id and
// names what it points at. Used by document 001 (docs/dialects.md, "derived message notifications").
import { and, desc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rooms, users } from "../db/schema";
import { parseGlobalMessageId, ROOM_STRIDE, toGlobalMessageId } from "../messages/global-id";
import { selectRooms, toRoomResponse } from "../rooms/queries";
import { mainUnreadSql } from "../threads/queries";

export type UnreadRoom = {
  /** The global id of the room's last message: the notification's id. */
  id: number;
  room: ReturnType<typeof toRoomResponse>;
  sender: string;
  preview: string;
  unread: number;
  at: string;
};

/**
 * The caller's group rooms whose last message is someone else's and unread, most recent first, up
 * to `limit`: one SELECT over their memberships (the read position is on the membership row).
 */
export async function unreadRooms(db: Db, userId: number, limit: number): Promise<UnreadRoom[]> {
  const rows = await selectRooms(db, userId)
    .where(
      and(
        eq(rooms.kind, "group"),
        sql`me.id IS NOT NULL`,
        sql`${mainUnreadSql(rooms, { lastReadMessageId: sql`me.last_read_message_id`, threadOnlyRead: sql`me.thread_only_read` })} > 0`,
        // One's own last message notifies nobody (a send also moves the sender's read position).
        sql`lower(coalesce(${rooms.lastMessageSender}, '')) <> (SELECT lower(${users.username}) FROM ${users} WHERE ${users.id} = ${userId})`,
      ),
    )
    .orderBy(desc(rooms.lastActivityAt))
    .limit(limit)
    .all();
  return rows.flatMap((row) => {
    const room = toRoomResponse(row);
    if (!room.last_message) return [];
    return [
      {
        id: toGlobalMessageId(room.id, room.last_message_id),
        room,
        sender: room.last_message.sender,
        preview: room.last_message.content,
        unread: room.unread_messages_count,
        at: room.last_activity_at,
      },
    ];
  });
}

/** A derived notification's id as the room and message it marks read up to, or null for a stored notification's id. */
export const unreadRoomRef = (notificationId: number) => (notificationId >= ROOM_STRIDE ? parseGlobalMessageId(notificationId) : null);
