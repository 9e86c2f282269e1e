// Mentions, for the per-room mention counts and GET /users/me/mentions (docs/messages.md#mentions).
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { rooms } from "./rooms";
import { users } from "./users";

/**
 * Written by the room's summary write: one row per @username (user_id set, the mentioned member),
 * one row per @here / @all message (user_id null; @here keeps who was online in here_ids). A
 * member's count is the rows after their read position, so reading clears it with no write here.
 */
export const mentions = sqliteTable(
  "mentions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    messageId: integer("message_id").notNull(),
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["user", "here", "all"] }).notNull(),
    // @here: JSON array of the user ids with a room socket open at the summary write.
    hereIds: text("here_ids"),
    // No foreign key: the sender may delete their account; the mention stays, like the message.
    senderId: integer("sender_id").notNull(),
    senderName: text("sender_name").notNull(),
    preview: text("preview"),
    // The message's sent_at: the list's order (rows arrive a second late, room by room).
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("mentions_room_message_user_unique").on(t.roomId, t.messageId, t.userId),
    index("mentions_user_idx").on(t.userId, t.createdAt).where(sql`user_id IS NOT NULL`),
    index("mentions_everyone_idx").on(t.roomId, t.createdAt).where(sql`user_id IS NULL`),
  ],
);
