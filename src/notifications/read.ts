// A notification as the API shows it: the read model shared by the notification routes and the
// per-user socket (src/realtime/hub.ts), so a pushed notification is the one GET /notifications lists.
import { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db, RowOf } from "../db/client";
import { NOTIFICATION_TYPES, notifications, rooms, users } from "../db/schema";

const actor = alias(users, "actor");

export const Notification = z
  .object({
    id: z.number().int(),
    notification_type: z.enum(NOTIFICATION_TYPES),
    title: z.string(),
    content: z.string().nullable(),
    room: z.object({ id: z.number().int(), name: z.string(), kind: z.enum(["group", "direct"]) }).nullable(),
    message_id: z.number().int().nullable().openapi({ description: "For mentions: the message, in that room" }),
    actor: z.object({ id: z.number().int(), username: z.string() }).nullable(),
    is_read: z.boolean(),
    created_at: z.string(),
  })
  .openapi("Notification");
export type NotificationResponse = z.infer<typeof Notification>;

export const selectNotifications = (db: Db) =>
  db
    .select({ n: notifications, room: { id: rooms.id, name: rooms.name, kind: rooms.kind }, actor: { id: actor.id, username: actor.username } })
    .from(notifications)
    .leftJoin(rooms, eq(rooms.id, notifications.roomId))
    .leftJoin(actor, eq(actor.id, notifications.actorId));

type Row = RowOf<typeof selectNotifications>;
export const toNotification = (r: Row): NotificationResponse => ({
  id: r.n.id,
  notification_type: r.n.type,
  title: r.n.title,
  content: r.n.content,
  // A direct chat's internal name is not for display.
  room: r.room?.id ? { id: r.room.id, name: r.room.kind === "direct" ? "" : r.room.name, kind: r.room.kind } : null,
  message_id: r.n.messageId,
  actor: r.actor?.id ? { id: r.actor.id, username: r.actor.username } : null,
  is_read: r.n.isRead,
  created_at: r.n.createdAt,
});
