// The room read model: one SELECT that yields ChatRoomResponse rows for any number of rooms
// (counts and the caller's unread count as correlated subqueries, never a query per room).
import { and, eq, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db, RowOf } from "../db/client";
import { roomMembers, rooms, users, type RoomRow } from "../db/schema";
import { activeCount } from "../members/queries";
import { mentionCount } from "../mentions/queries";
import { mainUnread } from "../threads/queries";

const me = alias(roomMembers, "me");

export function selectRooms(db: Db, viewerId: number) {
  return db
    .select({
      room: rooms,
      creatorName: users.username,
      membersCount: sql<number>`${activeCount(rooms.id)}`.as("members_count"),
      myRole: me.role,
      myLastRead: me.lastReadMessageId,
      myThreadOnlyRead: me.threadOnlyRead,
      myThreadUnread: me.threadUnreadCount,
      myMentions: mentionCount(rooms.id, { userId: viewerId, lastRead: me.lastReadMessageId, cleared: me.clearedMessageId, joinedAt: me.joinedAt }),
    })
    .from(rooms)
    .leftJoin(users, eq(users.id, rooms.creatorId))
    .leftJoin(me, and(eq(me.roomId, rooms.id), eq(me.userId, viewerId), eq(me.status, "active")));
}

/** The room summary's last message as the API shows it (null before the first message). */
export const lastMessageOf = (room: RoomRow) =>
  room.lastMessageId > 0 && room.lastMessageSender !== null ? { sender: room.lastMessageSender, content: room.lastMessageContent ?? "" } : null;

type Row = RowOf<typeof selectRooms>;

export const toRoomResponse = (r: Row) => ({
  id: r.room.id,
  kind: r.room.kind,
  creator_id: r.room.creatorId,
  creator_name: r.creatorName,
  name: r.room.name,
  description: r.room.description,
  avatar_url: r.room.avatarUrl,
  visibility: r.room.visibility,
  require_approval: r.room.requireApproval,
  max_members: r.room.maxMembers,
  room_type: r.room.roomType,
  is_active: r.room.archivedAt === null,
  archived_at: r.room.archivedAt,
  created_at: r.room.createdAt,
  updated_at: r.room.updatedAt,
  members_count: r.membersCount,
  // Outsiders see nothing of the conversation: no last message, no unread count.
  last_message: r.myRole ? lastMessageOf(r.room) : null,
  last_message_id: r.room.lastMessageId,
  last_activity_at: r.room.lastActivityAt,
  unread_messages_count: r.myRole ? mainUnread(r.room, { lastRead: r.myLastRead ?? 0, threadOnlyRead: r.myThreadOnlyRead ?? 0 }) : 0,
  thread_unread_count: r.myRole ? (r.myThreadUnread ?? 0) : 0,
  mention_count: r.myRole ? (r.myMentions ?? 0) : 0,
  online_members_count: r.room.onlineCount,
  my_role: r.myRole ?? null,
  allow_mass_mentions: r.room.allowMassMentions,
});

export async function getRoomResponse(db: Db, roomId: number, viewerId: number) {
  const row = await selectRooms(db, viewerId).where(eq(rooms.id, roomId)).get();
  return row ? toRoomResponse(row) : null;
}

export const whereAll = (...conds: (SQL | undefined)[]) => and(...conds.filter(Boolean));

/** What the room object writes behind to its row (room/summary.ts), at most once a second. */
export type RoomSummary = {
  lastMessageId: number;
  sender: string | null;
  preview: string | null;
  /** The last message's send time (its activity), or now when the room has none. */
  activityAt: string;
  onlineCount: number;
  /** JSON array of the online user ids; kept for direct chats only. */
  onlineIds: string;
  /** Today, YYYY-MM-DD: the day day_messages counts. */
  day: string;
  /** Thread-only replies so far (the last message's thread_seq). */
  threadOnlyCount: number;
};

/**
 * The summary as one statement. Idempotent for a repeated write: what it adds (the day's count)
 * is measured against the row's own last_message_id, which only this write moves.
 */
export const writeRoomSummary = (d1: D1Database, roomId: number, s: RoomSummary) =>
  d1
    .prepare(
      `UPDATE rooms SET last_message_id = max(last_message_id, ?1), last_message_sender = ?2, last_message_content = ?3, thread_only_count = max(thread_only_count, ?9),
         last_activity_at = CASE WHEN ?1 > last_message_id THEN ?4 ELSE last_activity_at END, online_count = ?5,
         online_user_ids = CASE WHEN kind = 'direct' THEN ?7 ELSE NULL END,
         day_messages = CASE WHEN messages_day = ?8 THEN day_messages ELSE 0 END + max(0, ?1 - last_message_id), messages_day = ?8
       WHERE id = ?6`,
    )
    .bind(s.lastMessageId, s.sender, s.preview, s.activityAt, s.onlineCount, roomId, s.onlineIds, s.day, s.threadOnlyCount);
