// Notification templates (mounted at /notifications/templates; system admins): reusable system
// notices whose title and content hold `{{name}}` placeholders, filled in by
// POST /notifications/send {template_id, params}.
import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import type { Context } from "hono";
import { getDb, type Db } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { notificationTemplates, type NotificationTemplateRow } from "../db/schema";
import { router, type AppEnv } from "../http/app-env";
import { badRequest, conflict, notFound } from "../http/errors";
import { id, json, jsonBody, noContent, pick } from "../http/schemas";
import { require } from "../rooms/access";

const PLACEHOLDER = /\{\{\s*([a-z0-9_]{1,32})\s*\}\}/g;

const fields = {
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, "1-64 of a-z 0-9 _ . -"),
  title: z.string().trim().min(1).max(200),
  content: z.string().max(2000).nullable(),
};
const TemplateCreate = z.object({ ...fields, content: fields.content.optional() }).strict().openapi("NotificationTemplateCreate");
const TemplateUpdate = z.object(fields).partial().strict().openapi("NotificationTemplateUpdate");
const Template = z
  .object({
    id: z.number().int(),
    name: z.string(),
    title: z.string(),
    content: z.string().nullable(),
    params: z.array(z.string()).openapi({ description: "The placeholders the template uses, in order of first use" }),
    created_by_id: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("NotificationTemplate");
const TemplateIdParam = z.object({ template_id: id("template_id") });

/** The placeholder names in `text`, in order of first use. */
const placeholders = (...texts: (string | null)[]) => [...new Set(texts.flatMap((t) => [...(t ?? "").matchAll(PLACEHOLDER)].map((m) => m[1])))];

const toResponse = (t: NotificationTemplateRow) => ({
  id: t.id,
  name: t.name,
  title: t.title,
  content: t.content,
  params: placeholders(t.title, t.content),
  created_by_id: t.createdById,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});

/**
 * A template filled in for sending: every placeholder needs a value (400 missing_template_params
 * names the ones left), and the filled title and content keep the send route's limits.
 */
export async function renderTemplate(db: Db, templateId: number, params: Record<string, string>) {
  const t = await db.select().from(notificationTemplates).where(eq(notificationTemplates.id, templateId)).get();
  if (!t) throw notFound("Template", "template_not_found");
  const missing = placeholders(t.title, t.content).filter((p) => params[p] === undefined);
  if (missing.length) throw badRequest("missing_template_params", `Missing params: ${missing.join(", ")}`);
  const fill = (text: string) => text.replace(PLACEHOLDER, (_, p: string) => params[p]);
  const title = fill(t.title);
  const content = t.content === null ? null : fill(t.content);
  if (title.length > 200 || (content?.length ?? 0) > 2000) throw badRequest("template_too_long", "The filled-in title or content is over its limit (200 / 2000)");
  return { title, content };
}

const adminsOnly = (c: Context<AppEnv>) => require(c.var.user.isAdmin, "Only system admins manage notification templates");
const taken = () => conflict("template_name_taken", "A template with this name already exists");

export const templateRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["notifications"],
      summary: "Notification templates, by name (system admins)",
      responses: { 200: json(z.array(Template)), ...pick(401, 403) },
    }),
    async (c) => {
      adminsOnly(c);
      const rows = await getDb(c.env.DB).select().from(notificationTemplates).orderBy(asc(notificationTemplates.name)).all();
      return c.json(rows.map(toResponse), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["notifications"],
      summary: "Create a notification template (system admins); `{{name}}` in title and content are placeholders",
      request: jsonBody(TemplateCreate),
      responses: { 201: json(Template, "Created"), ...pick(400, 401, 403, 409) },
    }),
    async (c) => {
      adminsOnly(c);
      const b = c.req.valid("json");
      try {
        const row = await getDb(c.env.DB)
          .insert(notificationTemplates)
          .values({ name: b.name, title: b.title, content: b.content ?? null, createdById: c.var.user.id })
          .returning()
          .get();
        return c.json(toResponse(row), 201);
      } catch (e) {
        if (isUniqueViolation(e)) throw taken();
        throw e;
      }
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{template_id}",
      tags: ["notifications"],
      summary: "One notification template (system admins)",
      request: { params: TemplateIdParam },
      responses: { 200: json(Template), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      adminsOnly(c);
      const row = await getDb(c.env.DB).select().from(notificationTemplates).where(eq(notificationTemplates.id, c.req.valid("param").template_id)).get();
      if (!row) throw notFound("Template", "template_not_found");
      return c.json(toResponse(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{template_id}",
      tags: ["notifications"],
      summary: "Change a notification template (system admins; only the fields given)",
      request: { params: TemplateIdParam, ...jsonBody(TemplateUpdate) },
      responses: { 200: json(Template), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      adminsOnly(c);
      const b = c.req.valid("json");
      const db = getDb(c.env.DB);
      const where = eq(notificationTemplates.id, c.req.valid("param").template_id);
      try {
        const row = await db
          .update(notificationTemplates)
          .set({ ...b, updatedAt: new Date().toISOString() })
          .where(where)
          .returning()
          .get();
        if (!row) throw notFound("Template", "template_not_found");
        return c.json(toResponse(row), 200);
      } catch (e) {
        if (isUniqueViolation(e)) throw taken();
        throw e;
      }
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{template_id}",
      tags: ["notifications"],
      summary: "Delete a notification template (system admins); notices already sent stay",
      request: { params: TemplateIdParam },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      adminsOnly(c);
      const gone = await getDb(c.env.DB)
        .delete(notificationTemplates)
        .where(eq(notificationTemplates.id, c.req.valid("param").template_id))
        .returning({ id: notificationTemplates.id })
        .all();
      if (!gone.length) throw notFound("Template", "template_not_found");
      return c.body(null, 204);
    },
  );
