// The admin broadcast routes (mounted at /broadcasts, system admins only): send an announcement,
// list broadcasts, follow one's delivery. Each is zod in, one call into ./service.ts, JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { id, json, jsonBody, PageQuery, pick } from "../http/schemas";
import { Broadcast, NewBroadcast } from "./schemas";
import { getBroadcast, listBroadcasts, sendBroadcast } from "./service";

const BroadcastIdParam = z.object({ broadcast_id: id("broadcast_id") });

export const broadcastRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["broadcasts"],
      summary:
        "Broadcast an announcement (system admins): posted as a `system` message into the given group rooms, or into every group room with `all_rooms: true`. Delivered in the background, room by room; a `client_id` makes a retry return the first broadcast instead of sending again",
      request: { ...jsonBody(NewBroadcast) },
      responses: {
        202: json(Broadcast, "Accepted: delivery has started"),
        200: json(Broadcast, "A retry: the broadcast first sent with this client_id"),
        ...pick(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { broadcast, created } = await sendBroadcast(c, c.req.valid("json"));
      return created ? c.json(broadcast, 202) : c.json(broadcast, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["broadcasts"],
      summary: "Broadcasts sent, newest first, with their delivery progress (system admins)",
      request: { query: PageQuery },
      responses: { 200: json(z.array(Broadcast)), ...pick(400, 401, 403) },
    }),
    async (c) => c.json(await listBroadcasts(c, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{broadcast_id}",
      tags: ["broadcasts"],
      summary: "One broadcast and its delivery progress (system admins)",
      request: { params: BroadcastIdParam },
      responses: { 200: json(Broadcast), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await getBroadcast(c, c.req.valid("param").broadcast_id), 200),
  );
