// The presence routes (mounted under /users): who of the people you share a room with is online,
// the online state of given users, a user's last connection, and the heartbeat of clients without
// sockets. Each is zod in, one call into ./service.ts, JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { idList, json, PageQuery, pick, UserIdParam } from "../http/schemas";
import { router } from "../http/app-env";
import { PublicUser, toPublicUser } from "../users/schemas";
import { heartbeat, onlineRoommates, presenceOf, readConnection } from "./service";

const UserIds = idList(100, "user ids");

const UserStatus = z
  .object({
    user_id: z.number().int(),
    online: z.boolean().nullable(),
    last_seen_at: z.string().nullable().openapi({ description: "Last heartbeat, user-socket connect, read or send; null when unknown or not visible to you" }),
  })
  .openapi("UserStatus");

const Connection = z
  .object({
    user_id: z.number().int(),
    ip: z.string().nullable().openapi({ description: "Address of the last login, as Cloudflare saw it (null locally)" }),
    user_agent: z.string().nullable(),
    login_time: z.string().nullable(),
    last_activity: z.string().nullable().openapi({ description: "As last_seen_at in /users/status" }),
  })
  .openapi("UserConnection");

export const presenceRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/status",
      tags: ["presence"],
      summary:
        "Online state of up to 100 users: `online` and `last_seen_at` for yourself and for users you share an active room with (no block either way), null for anyone else. Online: a socket in a room or of their own (/realtime/ws), or a heartbeat in the last 60 s. Unknown ids are left out.",
      request: { query: z.object({ ids: UserIds }) },
      responses: { 200: json(z.array(UserStatus)), ...pick(400, 401) },
    }),
    async (c) => c.json(await presenceOf(c, c.req.valid("query").ids), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{user_id}/connection",
      tags: ["presence"],
      summary: "Where and with what a user last logged in (the reference specs' user IP lookup): yourself, or anyone for system admins",
      request: { params: UserIdParam },
      responses: { 200: json(Connection), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await readConnection(c, c.req.valid("param").user_id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/heartbeat",
      tags: ["presence"],
      summary: "Keep yourself online without a socket (REST-only clients): send one about every 30 s; you count as online for 60 s after each",
      responses: { 200: json(z.object({ status: z.literal("ok"), timestamp: z.string() })), ...pick(401) },
    }),
    async (c) => c.json(await heartbeat(c), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/online",
      tags: ["presence"],
      summary:
        "Users you share an active room with who are online now (no block either way), by username: a socket in a room or of their own, or a heartbeat in the last 60 s",
      request: { query: PageQuery },
      responses: { 200: json(z.array(PublicUser)), ...pick(400, 401) },
    }),
    async (c) => c.json((await onlineRoommates(c, c.req.valid("query"))).map(toPublicUser), 200),
  );
