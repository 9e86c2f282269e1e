// The D1 reads of the message features: who has read how far in a room (read receipts), and the
// caller's active rooms a cross-room search asks (with each one's cleared-history mark).
import { and, desc, eq } from "drizzle-orm";
import { inIds, type Db } from "../db/client";
import { roomMembers, rooms, users } from "../db/schema";

/** The active members of a room with their read positions, at most `limit` rows. */
export const readPositions = (db: Db, roomId: number, limit: number) =>
  db
    .select({ user_id: users.id, username: users.username, display_name: users.displayName, last_read_message_id: roomMembers.lastReadMessageId })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.status, "active")))
    .limit(limit)
    .all();

/** The user's active rooms (or those of `roomIds`), most recently active first, at most `limit`. */
export const searchableRooms = (db: Db, userId: number, roomIds: number[] | undefined, limit: number) =>
  db
    .select({ id: rooms.id, kind: rooms.kind, name: rooms.name, cleared: roomMembers.clearedMessageId })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .where(and(eq(roomMembers.userId, userId), eq(roomMembers.status, "active"), roomIds ? inIds(rooms.id, roomIds) : undefined))
    .orderBy(desc(rooms.lastActivityAt), desc(rooms.id))
    .limit(limit)
    .all();
