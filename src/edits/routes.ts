// Edit history: every edit keeps the text it replaced, and members list a message's versions.
// A deleted message has none left (they are erased with it); the rules are in service.ts.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { intQuery, json, pick } from "../http/schemas";
import { MessageParams } from "../messages/common";
import { MessageVersion } from "../room/protocol";
import { listVersions } from "./service";

const VersionResponse = z.object(MessageVersion.shape).openapi("MessageVersion");

const VersionQuery = z.object({
  after: intQuery(0, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "The last `version` of the previous page" }),
  limit: intQuery(1, 100).default(50),
});

export const editRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/{room_id}/messages/{message_id}/edits",
    tags: ["messages"],
    summary:
      "A message's edit history (owner, active members, system admins): its versions oldest first, each with when it was written; version 1 is the text as sent, the last (`current`) the text it has now. Page with `after`. A deleted message has no history (404).",
    request: { params: MessageParams, query: VersionQuery },
    responses: { 200: json(z.array(VersionResponse)), ...pick(400, 401, 403, 404) },
  }),
  async (c) => {
    const { room_id, message_id } = c.req.valid("param");
    return c.json(await listVersions(c, room_id, message_id, c.req.valid("query")), 200);
  },
);
