// GET /users/me/mentions (mounted at /users): zod in, ./service.ts, JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { intQuery, json, pick } from "../http/schemas";
import { myMentions } from "./service";

const MentionQuery = z.object({
  limit: intQuery(1, 100).default(50),
  before: intQuery(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "The next page: the last id you got" }),
});

export const Mention = z
  .object({
    id: z.number().int().openapi({ description: "The mention's own id: the paging cursor (not the message id)" }),
    room: z.object({ id: z.number().int(), kind: z.enum(["group", "direct"]), name: z.string() }),
    message_id: z.number().int(),
    kind: z.enum(["user", "here", "all"]).openapi({ description: "user: @you by name; here: @here while you were online; all: @all" }),
    sender: z.object({ id: z.number().int(), username: z.string() }),
    preview: z.string().nullable().openapi({ description: "The message's text (first 200 characters), as edited" }),
    created_at: z.string(),
    read: z.boolean().openapi({ description: "At or before your read position in that room" }),
  })
  .openapi("Mention");

export const mentionRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/me/mentions",
    tags: ["messages"],
    summary:
      "Your recent mentions across your rooms, newest first: @you, @here while you had a room socket open, @all. Page with `before`. Lags the rooms by up to a second (written behind)",
    request: { query: MentionQuery },
    responses: { 200: json(z.array(Mention)), ...pick(400, 401) },
  }),
  async (c) => c.json(await myMentions(c, c.req.valid("query")), 200),
);
