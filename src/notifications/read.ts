// A notification as the API shows it: the read model shared by the notification routes and the
// per-user socket (src/realtime/hub.ts), so a pushed notification is the one GET /notifications lists.
import { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db, RowOf } from "../db/client";
import { notifications, rooms, users } from "../db/schema";
import { Notification as NotificationShape } from "./schema";

const actor = alias(users, "actor");

/** The shape (notifications/schema.ts, shared with the user socket's frames), named for OpenAPI. */
// Rebuilt from the shape with this module's z: a schema made before @hono/zod-openapi loaded has no .openapi().
export const Notification = z.object(NotificationShape.shape).openapi("Notification");
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
