// A user's notifications, for every door: list, unread counts, marking read or unread, deleting,
// preferences, and system notices from system admins. Produced by ./produce.ts, read through
// ./read.ts, pushed live on the user's own socket (src/realtime).
import { and, eq, sql } from "drizzle-orm";
import { getDb, inIds } from "../db/client";
import { NOTIFICATION_TYPES, notifications, users } from "../db/schema";
import { forbidden, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { pokeHubs } from "../realtime/push";
import { listNotifications, mine, setRead, type NotificationQuery, type NotificationResponse } from "./read";
import { renderTemplate } from "../notification-templates/service";
import { unreadRooms } from "./unread-rooms";

export { unreadRoomRef, type UnreadRoom } from "./unread-rooms";

type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export type Preferences = { mention: boolean; room_invite: boolean; system: boolean };
/** Which of the caller's notifications a batch means: `ids` (anyone else's are ignored), or all when absent. */
type Selection = { ids?: number[] };

const selected = (userId: number, ids: number[] | undefined) =>
  and(eq(notifications.userId, userId), ids ? inIds(notifications.id, ids) : undefined);

const toPreferences = (u: { notifyMention: boolean; notifyRoomInvite: boolean; notifySystem: boolean }): Preferences => ({
  mention: u.notifyMention,
  room_invite: u.notifyRoomInvite,
  system: u.notifySystem,
});

/** The caller's notifications, newest first. */
export const myNotifications = (c: Caller, q: NotificationQuery) => listNotifications(getDb(c.env.DB), c.var.user.id, q);

/** The caller's group rooms with unread messages from others, as derived "message" notifications (./unread-rooms.ts). */
export const myUnreadRooms = (c: Caller, limit: number) => unreadRooms(getDb(c.env.DB), c.var.user.id, limit);

/** How many of the caller's notifications are unread, in all and by type. */
export async function unreadCounts(c: Caller) {
  const rows = await getDb(c.env.DB)
    .select({ type: notifications.type, n: sql<number>`count(*)` })
    .from(notifications)
    .where(and(eq(notifications.userId, c.var.user.id), eq(notifications.isRead, false)))
    .groupBy(notifications.type)
    .all();
  const byType = Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, rows.find((r) => r.type === t)?.n ?? 0])) as Record<NotificationType, number>;
  return { unread: rows.reduce((a, r) => a + r.n, 0), unread_by_type: byType };
}

/** Marks the selected notifications read: how many changed. */
export async function markRead(c: Caller, { ids }: Selection) {
  const done = await getDb(c.env.DB)
    .update(notifications)
    .set({ isRead: true })
    .where(and(selected(c.var.user.id, ids), eq(notifications.isRead, false)))
    .returning({ id: notifications.id })
    .all();
  return { updated: done.length };
}

/** Marks the selected notifications read or unread, or deletes them: how many changed. */
export async function batchAction(c: Caller, { action, ids }: Selection & { action: "read" | "unread" | "delete" }) {
  const db = getDb(c.env.DB);
  const which = selected(c.var.user.id, ids);
  const done =
    action === "delete"
      ? await db.delete(notifications).where(which).returning({ id: notifications.id }).all()
      : await db
          .update(notifications)
          .set({ isRead: action === "read" })
          .where(and(which, eq(notifications.isRead, action !== "read")))
          .returning({ id: notifications.id })
          .all();
  return { affected: done.length };
}

export async function getPreferences(c: Caller): Promise<Preferences> {
  const u = await getDb(c.env.DB).select().from(users).where(eq(users.id, c.var.user.id)).get();
  if (!u) throw notFound("User");
  return toPreferences(u);
}

/** Turns kinds of notifications on or off (fields left out keep their value), for notifications made from now on. */
export async function setPreferences(c: Caller, b: Partial<Preferences>): Promise<Preferences> {
  const u = await getDb(c.env.DB)
    .update(users)
    .set({
      ...(b.mention !== undefined && { notifyMention: b.mention }),
      ...(b.room_invite !== undefined && { notifyRoomInvite: b.room_invite }),
      ...(b.system !== undefined && { notifySystem: b.system }),
      updatedAt: new Date().toISOString(),
    })
    .where(eq(users.id, c.var.user.id))
    .returning()
    .get();
  if (!u) throw notFound("User");
  return toPreferences(u);
}

export type SystemNotice = {
  title?: string;
  content?: string | null;
  template_id?: number;
  params?: Record<string, string>;
  user_ids?: number[];
  all?: true;
};

/**
 * A system notice (system admins) to the given users or everyone, its text given or from a
 * template; users who turned system notices off are skipped. Their sockets are told afterwards.
 */
export async function sendSystemNotice(c: Caller & { executionCtx: { waitUntil(p: Promise<unknown>): void } }, body: SystemNotice) {
  if (!c.var.user.isAdmin) throw forbidden("Only system admins send system notices");
  const text = body.template_id
    ? await renderTemplate(getDb(c.env.DB), body.template_id, body.params ?? {})
    : { title: body.title!, content: body.content ?? null };
  const b = { ...body, ...text };
  const who = b.user_ids ? sql`u.id IN (SELECT value FROM json_each(${JSON.stringify(b.user_ids)}))` : sql`1`;
  const res = await getDb(c.env.DB).run(sql`INSERT INTO ${notifications} (user_id, type, title, content, actor_id)
    SELECT u.id, 'system', ${b.title}, ${b.content ?? null}, ${c.var.user.id} FROM ${users} u WHERE ${who} AND u.notify_system = 1`);
  c.executionCtx.waitUntil(pokeHubs(c.env, b.user_ids ?? "online"));
  return { sent: res.meta.changes ?? 0 };
}

/** Marks one of the caller's notifications read or unread (404 notification_not_found). */
export const markOne = (c: Caller, notificationId: number, isRead: boolean): Promise<NotificationResponse> =>
  setRead(getDb(c.env.DB), c.var.user.id, notificationId, isRead);

/** Deletes one of the caller's notifications (404 notification_not_found). */
export async function deleteNotification(c: Caller, notificationId: number): Promise<void> {
  const gone = await getDb(c.env.DB).delete(notifications).where(mine(c.var.user.id, notificationId)).returning({ id: notifications.id }).all();
  if (!gone.length) throw notFound("Notification", "notification_not_found");
}
