// The chat statistics routes, service-wide and per room: each is zod in, one call into
// ./service.ts, JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, pick, RoomIdParam } from "../http/schemas";
import { chatStats, roomStats } from "./service";

const ChatStats = z
  .object({
    online_users_count: z.number().int().openapi({ description: "Users with a socket open in any room" }),
    total_messages_today: z.number().int().openapi({ description: "Messages sent since 00:00 UTC, in every room" }),
    active_rooms: z.number().int().openapi({ description: "Rooms (direct chats included) with a message since 00:00 UTC" }),
    day: z.string().openapi({ description: "The UTC date these counts are for" }),
  })
  .openapi("ChatStats");

export const statsRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["stats"],
    summary: "Chat statistics: users online, messages and active rooms today (UTC)",
    responses: { 200: json(ChatStats), ...pick(401) },
  }),
  async (c) => c.json(await chatStats(c), 200),
);

const RoomStats = z
  .object({
    room_id: z.number().int(),
    members_count: z.number().int(),
    admins_count: z.number().int().openapi({ description: "Room admins and the owner" }),
    online_members_count: z.number().int().openapi({ description: "Members with a socket open in this room" }),
    messages_total: z.number().int().openapi({ description: "Messages ever sent (ids are a dense sequence; pruned and deleted ones included)" }),
    messages_today: z.number().int().openapi({ description: "Messages sent since 00:00 UTC" }),
    last_activity_at: z.string(),
    created_at: z.string(),
    day: z.string(),
  })
  .openapi("RoomStats");

/** Under /chat-rooms: one room's numbers, for whoever may read the room. */
export const roomStatsRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/{room_id}/stats",
    tags: ["stats"],
    summary: "One room's statistics (owner, active members, system admins): members, admins, online, messages in all and today",
    request: { params: RoomIdParam },
    responses: { 200: json(RoomStats), ...pick(400, 401, 403, 404) },
  }),
  async (c) => c.json(await roomStats(c, c.req.valid("param").room_id), 200),
);

