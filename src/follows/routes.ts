// The follow routes (follow, unfollow, who I follow, who follows me): each is zod in, one call
// into ./service.ts, JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, noContent, PageQuery, pick, UserIdParam } from "../http/schemas";
import { follow, listFollows, unfollow } from "./service";

const FollowResponse = z
  .object({
    id: z.number().int(),
    follower_id: z.number().int(),
    followed_id: z.number().int(),
    followed_at: z.string(),
    follower_name: z.string().nullable(),
    followed_name: z.string().nullable(),
  })
  .openapi("UserFollowResponse");

const listRoute = (path: string, summary: string) =>
  createRoute({
    method: "get",
    path,
    tags: ["follows"],
    summary,
    request: { query: PageQuery },
    responses: { 200: json(z.array(FollowResponse)), ...pick(400, 401) },
  });

export const followRoutes = router()
  .openapi(listRoute("/me/following", "Users you follow, newest first"), async (c) => c.json(await listFollows(c, "following", c.req.valid("query")), 200))
  .openapi(listRoute("/me/followers", "Users who follow you, newest first"), async (c) => c.json(await listFollows(c, "followers", c.req.valid("query")), 200))
  .openapi(
    createRoute({
      method: "post",
      path: "/{user_id}/follow",
      tags: ["follows"],
      summary: "Follow a user",
      request: { params: UserIdParam },
      responses: { 200: json(FollowResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await follow(c, c.req.valid("param").user_id), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{user_id}/unfollow",
      tags: ["follows"],
      summary: "Stop following a user",
      request: { params: UserIdParam },
      responses: { ...noContent, ...pick(400, 401, 404) },
    }),
    async (c) => {
      await unfollow(c, c.req.valid("param").user_id);
      return c.body(null, 204);
    },
  );
