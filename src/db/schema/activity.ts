// What admins and clients send that is neither a message nor a notice: admin broadcasts (delivered
// by their own Durable Object) and the events clients report.
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { now } from "./columns";
import { rooms } from "./rooms";
import { users } from "./users";

/**
 * Admin broadcasts: one announcement posted as a `system` message into group rooms, either a given
 * list or every group room that existed when it was sent. Delivered by its own Durable Object
 * (src/broadcasts/sender.ts), which walks the targets in room id order and records its progress here.
 */
export const broadcasts = sqliteTable(
  "broadcasts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    senderId: integer("sender_id").references(() => users.id, { onDelete: "set null" }),
    senderName: text("sender_name").notNull(),
    content: text("content").notNull(),
    // The targets: a JSON array of room ids, or null for every group room with id <= up_to_room_id.
    roomIds: text("room_ids"),
    upToRoomId: integer("up_to_room_id").notNull().default(0),
    clientId: text("client_id"),
    status: text("status", { enum: ["sending", "done"] }).notNull().default("sending"),
    roomsTotal: integer("rooms_total").notNull(),
    // Delivery progress: every target room with an id <= cursor has the message.
    cursor: integer("cursor").notNull().default(0),
    roomsDelivered: integer("rooms_delivered").notNull().default(0),
    createdAt: text("created_at").notNull().default(now),
    finishedAt: text("finished_at"),
  },
  (t) => [uniqueIndex("broadcasts_client_unique").on(t.senderId, t.clientId)],
);

export type BroadcastRow = typeof broadcasts.$inferSelect;

/**
 * Events clients report (the reference specs' event system: check-ins, alarms ...): a typed,
 * timestamped record with a small JSON payload, optionally about a room. Kept with the account.
 */
export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    payload: text("payload"),
    roomId: integer("room_id").references(() => rooms.id, { onDelete: "set null" }),
    // Exactly once: a retried report with the same client_id returns the first.
    clientId: text("client_id"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("events_user_client_unique").on(t.userId, t.clientId),
    index("events_user_idx").on(t.userId, t.id),
    index("events_type_idx").on(t.type, t.id),
    // Retention (EVENTS_RETENTION_DAYS) deletes by age.
    index("events_created_idx").on(t.createdAt),
  ],
);

export type EventRow = typeof events.$inferSelect;
