// A notification as the API shows it: the read model shared by the notification routes and the
// per-user socket (src/realtime/hub.ts), so a pushed notification is the one GET /notifications lists.
import { z } from "@hono/zod-openapi";
import { and, desc, eq, lt } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db, RowOf } from "../db/client";
import { notFound } from "../http/errors";
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

export type NotificationQuery = { unread_only: boolean; type?: (typeof NOTIFICATION_TYPES)[number]; limit: number; before?: number };

/** A user's notifications, newest first (the core list and the dialects'). */
export async function listNotifications(db: Db, userId: number, q: NotificationQuery) {
  const rows = await selectNotifications(db)
    .where(
      and(
        eq(notifications.userId, userId),
        q.unread_only ? eq(notifications.isRead, false) : undefined,
        q.type ? eq(notifications.type, q.type) : undefined,
        q.before ? lt(notifications.id, q.before) : undefined,
      ),
    )
    .orderBy(desc(notifications.id))
    .limit(q.limit)
    .all();
  return rows.map(toNotification);
}

export const mine = (userId: number, notificationId: number) => and(eq(notifications.userId, userId), eq(notifications.id, notificationId));

/** Marks one of the user's notifications read or unread: 404 notification_not_found when it is not theirs. */
export async function setRead(db: Db, userId: number, notificationId: number, isRead: boolean) {
  const done = await db.update(notifications).set({ isRead }).where(mine(userId, notificationId)).returning({ id: notifications.id }).all();
  if (!done.length) throw notFound("Notification", "notification_not_found");
  const row = await selectNotifications(db).where(eq(notifications.id, notificationId)).get();
  return toNotification(row!);
}

