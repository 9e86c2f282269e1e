// The block routes (mounted under /users): block, unblock, whom you blocked. Each is zod in, one
// call into ./service.ts, JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, noContent, PageQuery, pick, UserIdParam } from "../http/schemas";
import { block, listBlocked, unblock } from "./service";

const BlockedUser = z
  .object({
    id: z.number().int(),
    username: z.string(),
    display_name: z.string().nullable(),
    avatar_url: z.string().nullable(),
    blocked_at: z.string(),
  })
  .openapi("BlockedUser");

export const blockRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/me/blocked",
      tags: ["blocks"],
      summary: "Users you blocked, most recent first",
      request: { query: PageQuery },
      responses: { 200: json(z.array(BlockedUser)), ...pick(400, 401) },
    }),
    async (c) => c.json(await listBlocked(c, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{user_id}/block",
      tags: ["blocks"],
      summary:
        "Block a user: removes your friendship, pending friend requests and follows between you. 409 when already blocked.",
      request: { params: UserIdParam },
      responses: { 200: json(BlockedUser), ...pick(400, 401, 404, 409) },
    }),
    async (c) => c.json(await block(c, c.req.valid("param").user_id), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{user_id}/block",
      tags: ["blocks"],
      summary: "Unblock a user (friendship and follows are not restored)",
      request: { params: UserIdParam },
      responses: { ...noContent, ...pick(400, 401, 404) },
    }),
    async (c) => {
      await unblock(c, c.req.valid("param").user_id);
      return c.body(null, 204);
    },
  );
