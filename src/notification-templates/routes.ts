// Notification templates' HTTP door (mounted at /notifications/templates; system admins). The rules
// are in ./service.ts.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { id, json, jsonBody, noContent, pick } from "../http/schemas";
import * as templates from "./service";

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

const tags = ["notifications"];

export const templateRoutes = router()
  .openapi(
    createRoute({ method: "get", path: "/", tags, summary: "Notification templates, by name (system admins)", responses: { 200: json(z.array(Template)), ...pick(401, 403) } }),
    async (c) => c.json(await templates.listTemplates(c), 200),
  )
  .openapi(
    createRoute({
      tags,
      method: "post",
      path: "/",
      summary: "Create a notification template (system admins); `{{name}}` in title and content are placeholders",
      request: jsonBody(TemplateCreate),
      responses: { 201: json(Template, "Created"), ...pick(400, 401, 403, 409) },
    }),
    async (c) => c.json(await templates.createTemplate(c, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      tags,
      method: "get",
      path: "/{template_id}",
      summary: "One notification template (system admins)",
      request: { params: TemplateIdParam },
      responses: { 200: json(Template), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await templates.getTemplate(c, c.req.valid("param").template_id), 200),
  )
  .openapi(
    createRoute({
      tags,
      method: "patch",
      path: "/{template_id}",
      summary: "Change a notification template (system admins; only the fields given)",
      request: { params: TemplateIdParam, ...jsonBody(TemplateUpdate) },
      responses: { 200: json(Template), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await templates.updateTemplate(c, c.req.valid("param").template_id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      tags,
      method: "delete",
      path: "/{template_id}",
      summary: "Delete a notification template (system admins); notices already sent stay",
      request: { params: TemplateIdParam },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      await templates.deleteTemplate(c, c.req.valid("param").template_id);
      return c.body(null, 204);
    },
  );
