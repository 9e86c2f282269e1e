// The notification routes (mounted at /notifications): list, counts, mark read, delete,
// preferences, and system notices from system admins. Each is zod in, one call into
// ./service.ts, JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { NOTIFICATION_TYPES } from "../db/schema";
import { router } from "../http/app-env";
import { boolQuery, id, intQuery, json, jsonBody, noContent, pick } from "../http/schemas";
import { Notification } from "./read";
import {
  batchAction,
  deleteNotification,
  getPreferences,
  markOne,
  markRead,
  myNotifications,
  sendSystemNotice,
  setPreferences,
  unreadCounts,
} from "./service";

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
/** POST /read's body; exported for the dialects that mark notifications read under their own names. */
export const MarkRead = Selection.strict().refine(...oneOf).openapi("NotificationsRead");

/** POST /send's body; exported for the dialects that send notices under their own names. */
export const SystemNotice = z
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
  .openapi("SystemNotice");

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
    async (c) => c.json(await myNotifications(c, c.req.valid("query")), 200),
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
    async (c) => c.json(await unreadCounts(c), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/read",
      tags: ["notifications"],
      summary: "Mark notifications read: the given ids (yours; others are ignored), or all of them with `all: true`",
      request: jsonBody(MarkRead),
      responses: { 200: json(z.object({ updated: z.number().int() })), ...pick(400, 401) },
    }),
    async (c) => c.json(await markRead(c, c.req.valid("json")), 200),
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
    async (c) => c.json(await batchAction(c, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/preferences",
      tags: ["notifications"],
      summary: "Which notifications you get",
      responses: { 200: json(Preferences), ...pick(401) },
    }),
    async (c) => c.json(await getPreferences(c), 200),
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
    async (c) => c.json(await setPreferences(c, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/send",
      tags: ["notifications"],
      summary:
        "Send a system notice (system admins): to the given users, or to everyone with `all: true`. Its text is `title` (and `content`), or a template filled with `params`. Users who turned system notices off are skipped",
      request: jsonBody(SystemNotice),
      responses: { 200: json(z.object({ sent: z.number().int() })), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await sendSystemNotice(c, c.req.valid("json")), 200),
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
    async (c) => c.json(await markOne(c, c.req.valid("param").notification_id, true), 200),
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
    async (c) => c.json(await markOne(c, c.req.valid("param").notification_id, c.req.valid("json").is_read), 200),
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
      await deleteNotification(c, c.req.valid("param").notification_id);
      return c.body(null, 204);
    },
  );
