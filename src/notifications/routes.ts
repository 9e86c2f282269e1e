// A user's notifications (mounted at /notifications): list, counts, mark read, delete,
// preferences, and system notices from system admins. Produced by produce.ts; pushed live on the
// user's own socket (src/realtime), and listed here for everyone else and for catching up.
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { getDb, inIds, type Db } from "../db/client";
import { NOTIFICATION_TYPES, notifications, users } from "../db/schema";
import { router } from "../http/app-env";
import { forbidden, notFound } from "../http/errors";
import { boolQuery, id, intQuery, json, jsonBody, noContent, pick } from "../http/schemas";
import { pokeHubs } from "../realtime/push";
import { listNotifications, mine, Notification, setRead } from "./read";
import { renderTemplate } from "./templates";

const ListQuery = z.object({
  unread_only: boolQuery.default(false),
  type: z.enum(NOTIFICATION_TYPES).optional(),
  limit: intQuery(1, 100).default(50),
  before: intQuery(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "The next page: the last id you got" }),
});

const Preferences = z
  .object({ mention: z.boolean(), room_invite: z.boolean(), system: z.boolean() })
  .openapi("NotificationPreferences");

const NotificationIdParam = z.object({ notification_id: id("notification_id") });

/** Which of your notifications a batch means: `ids` (anyone else's are ignored) or `all: true`, never neither. */
const Selection = z.object({ ids: z.array(z.number().int().positive()).min(1).max(500).optional(), all: z.literal(true).optional() });
const oneOf: [(b: { ids?: number[]; all?: true }) => boolean, { message: string; path: string[] }] = [
  (b) => !!b.ids !== !!b.all,
  { message: "give ids or all: true", path: ["ids"] },
];

/** The caller's notifications among `ids`, or all of them. */
const selected = (userId: number, ids: number[] | undefined) =>
  and(eq(notifications.userId, userId), ids ? inIds(notifications.id, ids) : undefined);

const toPreferences = (u: { notifyMention: boolean; notifyRoomInvite: boolean; notifySystem: boolean }) => ({
  mention: u.notifyMention,
  room_invite: u.notifyRoomInvite,
  system: u.notifySystem,
});

export const notificationRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["notifications"],
      summary: "Your notifications, newest first (mentions, being added to rooms, system notices). Page with `before`",
      request: { query: ListQuery },
      responses: { 200: json(z.array(Notification)), ...pick(400, 401) },
    }),
    async (c) => {
      return c.json(await listNotifications(getDb(c.env.DB), c.var.user.id, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/stats",
      tags: ["notifications"],
      summary: "How many notifications are unread, in all and by type",
      responses: {
        200: json(z.object({ unread: z.number().int(), unread_by_type: z.record(z.enum(NOTIFICATION_TYPES), z.number().int()) }).openapi("NotificationStats")),
        ...pick(401),
      },
    }),
    async (c) => {
      const rows = await getDb(c.env.DB)
        .select({ type: notifications.type, n: sql<number>`count(*)` })
        .from(notifications)
        .where(and(eq(notifications.userId, c.var.user.id), eq(notifications.isRead, false)))
        .groupBy(notifications.type)
        .all();
      const byType = Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, rows.find((r) => r.type === t)?.n ?? 0])) as Record<(typeof NOTIFICATION_TYPES)[number], number>;
      return c.json({ unread: rows.reduce((a, r) => a + r.n, 0), unread_by_type: byType }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/read",
      tags: ["notifications"],
      summary: "Mark notifications read: the given ids (yours; others are ignored), or all of them with `all: true`",
      request: jsonBody(Selection.strict().refine(...oneOf).openapi("NotificationsRead")),
      responses: { 200: json(z.object({ updated: z.number().int() })), ...pick(400, 401) },
    }),
    async (c) => {
      const { ids } = c.req.valid("json");
      const done = await getDb(c.env.DB)
        .update(notifications)
        .set({ isRead: true })
        .where(and(selected(c.var.user.id, ids), eq(notifications.isRead, false)))
        .returning({ id: notifications.id })
        .all();
      return c.json({ updated: done.length }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/batch-action",
      tags: ["notifications"],
      summary: "Mark read, mark unread or delete many of your notifications at once: the given ids (yours; others are ignored) or all with `all: true`",
      request: jsonBody(
        Selection.extend({ action: z.enum(["read", "unread", "delete"]) })
          .strict()
          .refine(...oneOf)
          .openapi("NotificationsBatchAction"),
      ),
      responses: { 200: json(z.object({ affected: z.number().int() })), ...pick(400, 401) },
    }),
    async (c) => {
      const { action, ids } = c.req.valid("json");
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
      return c.json({ affected: done.length }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/preferences",
      tags: ["notifications"],
      summary: "Which notifications you get",
      responses: { 200: json(Preferences), ...pick(401) },
    }),
    async (c) => {
      const u = await getDb(c.env.DB).select().from(users).where(eq(users.id, c.var.user.id)).get();
      if (!u) throw notFound("User");
      return c.json(toPreferences(u), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/preferences",
      tags: ["notifications"],
      summary: "Turn kinds of notifications on or off (fields left out keep their value). Applies to notifications made from now on",
      request: jsonBody(Preferences.partial().strict()),
      responses: { 200: json(Preferences), ...pick(400, 401) },
    }),
    async (c) => {
      const b = c.req.valid("json");
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
      return c.json(toPreferences(u), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/send",
      tags: ["notifications"],
      summary:
        "Send a system notice (system admins): to the given users, or to everyone with `all: true`. Its text is `title` (and `content`), or a template filled with `params`. Users who turned system notices off are skipped",
      request: {
        ...jsonBody(
          z
            .object({
              title: z.string().trim().min(1).max(200).optional(),
              content: z.string().max(2000).nullish(),
              template_id: z.number().int().positive().optional().openapi({ description: "A notification template instead of title and content" }),
              params: z.record(z.string().regex(/^[a-z0-9_]{1,32}$/), z.string().max(500)).optional().openapi({ description: "Values of the template's {{placeholders}}" }),
              user_ids: z.array(z.number().int().positive()).min(1).max(1000).optional(),
              all: z.literal(true).optional(),
            })
            .strict()
            .refine((b) => !!b.user_ids !== !!b.all, { message: "give user_ids or all: true, not both", path: ["user_ids"] })
            .refine((b) => !!b.title !== !!b.template_id, { message: "give title or template_id, not both", path: ["title"] })
            .refine((b) => !b.template_id || b.content === undefined, { message: "a template brings its own content", path: ["content"] })
            .openapi("SystemNotice"),
        ),
      },
      responses: { 200: json(z.object({ sent: z.number().int() })), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      if (!c.var.user.isAdmin) throw forbidden("Only system admins send system notices");
      const body = c.req.valid("json");
      const text = body.template_id
        ? await renderTemplate(getDb(c.env.DB), body.template_id, body.params ?? {})
        : { title: body.title!, content: body.content ?? null };
      const b = { ...body, ...text };
      const who = b.user_ids ? sql`u.id IN (SELECT value FROM json_each(${JSON.stringify(b.user_ids)}))` : sql`1`;
      const res = await getDb(c.env.DB).run(sql`INSERT INTO ${notifications} (user_id, type, title, content, actor_id)
        SELECT u.id, 'system', ${b.title}, ${b.content ?? null}, ${c.var.user.id} FROM ${users} u WHERE ${who} AND u.notify_system = 1`);
      c.executionCtx.waitUntil(pokeHubs(c.env, b.user_ids ?? "online"));
      return c.json({ sent: res.meta.changes ?? 0 }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{notification_id}/read",
      tags: ["notifications"],
      summary: "Mark one of your notifications read",
      request: { params: NotificationIdParam },
      responses: { 200: json(Notification), ...pick(400, 401, 404) },
    }),
    async (c) => {
      const { notification_id } = c.req.valid("param");
      return c.json(await setRead(getDb(c.env.DB), c.var.user.id, notification_id, true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{notification_id}",
      tags: ["notifications"],
      summary: "Mark one of your notifications read or unread",
      request: { params: NotificationIdParam, ...jsonBody(z.object({ is_read: z.boolean() }).strict().openapi("NotificationUpdate")) },
      responses: { 200: json(Notification), ...pick(400, 401, 404) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { notification_id } = c.req.valid("param");
      return c.json(await setRead(db, c.var.user.id, notification_id, c.req.valid("json").is_read), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{notification_id}",
      tags: ["notifications"],
      summary: "Delete one of your notifications",
      request: { params: NotificationIdParam },
      responses: { ...noContent, ...pick(400, 401, 404) },
    }),
    async (c) => {
      const { notification_id } = c.req.valid("param");
      const gone = await getDb(c.env.DB).delete(notifications).where(mine(c.var.user.id, notification_id)).returning({ id: notifications.id }).all();
      if (!gone.length) throw notFound("Notification", "notification_not_found");
      return c.body(null, 204);
    },
  );
