// Notifications (mentions, room invitations, system notices) and the reusable notice templates.
// The list of types is shared with the API shapes (src/notifications/schema.ts).
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { NOTIFICATION_TYPES } from "../../notifications/schema";
import { now } from "./columns";
import { rooms } from "./rooms";
import { users } from "./users";

export { NOTIFICATION_TYPES };

/** A user's notifications: mentions (written behind by the room), room invitations, system notices. */
export const notifications = sqliteTable(
  "notifications",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type", { enum: NOTIFICATION_TYPES }).notNull(),
    title: text("title").notNull(),
    content: text("content"),
    roomId: integer("room_id").references(() => rooms.id, { onDelete: "set null" }),
    // The message in that room (ids are per room), for mentions.
    messageId: integer("message_id"),
    actorId: integer("actor_id").references(() => users.id, { onDelete: "set null" }),
    isRead: integer("is_read", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [
    index("notifications_user_idx").on(t.userId, t.id),
    index("notifications_unread_idx").on(t.userId, t.type).where(sql`is_read = 0`),
    index("notifications_room_idx").on(t.roomId),
    index("notifications_actor_idx").on(t.actorId),
  ],
);


/** Reusable system notices (seed 003's notification templates): `{{name}}` placeholders in title and content. */
export const notificationTemplates = sqliteTable(
  "notification_templates",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    title: text("title").notNull(),
    content: text("content"),
    createdById: integer("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("notification_templates_name_unique").on(t.name)],
);

export type NotificationTemplateRow = typeof notificationTemplates.$inferSelect;
