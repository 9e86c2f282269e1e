// Notification templates, for every door (system admins only): reusable system notices whose title
// and content hold `{{name}}` placeholders, and the filling-in that POST /notifications/send
// {template_id, params} uses (src/notifications/service.ts).
import { asc, eq } from "drizzle-orm";
import { getDb, type Db } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { notificationTemplates, type NotificationTemplateRow } from "../db/schema";
import { badRequest, conflict, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { require } from "../rooms/access";

const PLACEHOLDER = /\{\{\s*([a-z0-9_]{1,32})\s*\}\}/g;

export type TemplateFields = { name: string; title: string; content: string | null };

/** The placeholder names in `texts`, in order of first use. */
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

const adminsOnly = (c: Caller) => require(c.var.user.isAdmin, "Only system admins manage notification templates");
const missing = () => notFound("Template", "template_not_found");
const byId = (templateId: number) => eq(notificationTemplates.id, templateId);

/** Runs a write, answering a second template of one name with 409 template_name_taken. */
async function uniqueName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict("template_name_taken", "A template with this name already exists");
    throw e;
  }
}

/** Every template, by name. */
export async function listTemplates(c: Caller) {
  adminsOnly(c);
  const rows = await getDb(c.env.DB).select().from(notificationTemplates).orderBy(asc(notificationTemplates.name)).all();
  return rows.map(toResponse);
}

export async function createTemplate(c: Caller, b: Omit<TemplateFields, "content"> & { content?: string | null }) {
  adminsOnly(c);
  const values = { name: b.name, title: b.title, content: b.content ?? null, createdById: c.var.user.id };
  return toResponse(await uniqueName(() => getDb(c.env.DB).insert(notificationTemplates).values(values).returning().get()));
}

export async function getTemplate(c: Caller, templateId: number) {
  adminsOnly(c);
  const row = await getDb(c.env.DB).select().from(notificationTemplates).where(byId(templateId)).get();
  if (!row) throw missing();
  return toResponse(row);
}

/** Changes only the fields given. */
export async function updateTemplate(c: Caller, templateId: number, b: Partial<TemplateFields>) {
  adminsOnly(c);
  const row = await uniqueName(() =>
    getDb(c.env.DB)
      .update(notificationTemplates)
      .set({ ...b, updatedAt: new Date().toISOString() })
      .where(byId(templateId))
      .returning()
      .get(),
  );
  if (!row) throw missing();
  return toResponse(row);
}

/** Notices already sent from it stay. */
export async function deleteTemplate(c: Caller, templateId: number) {
  adminsOnly(c);
  const gone = await getDb(c.env.DB).delete(notificationTemplates).where(byId(templateId)).returning({ id: notificationTemplates.id }).all();
  if (!gone.length) throw missing();
}

/**
 * A template filled in for sending: every placeholder needs a value (400 missing_template_params
 * names the ones left), and the filled title and content keep the send route's limits.
 */
export async function renderTemplate(db: Db, templateId: number, params: Record<string, string>) {
  const t = await db.select().from(notificationTemplates).where(byId(templateId)).get();
  if (!t) throw missing();
  const unfilled = placeholders(t.title, t.content).filter((p) => params[p] === undefined);
  if (unfilled.length) throw badRequest("missing_template_params", `Missing params: ${unfilled.join(", ")}`);
  const fill = (text: string) => text.replace(PLACEHOLDER, (_, p: string) => params[p]);
  const title = fill(t.title);
  const content = t.content === null ? null : fill(t.content);
  if (title.length > 200 || (content?.length ?? 0) > 2000) throw badRequest("template_too_long", "The filled-in title or content is over its limit (200 / 2000)");
  return { title, content };
}
