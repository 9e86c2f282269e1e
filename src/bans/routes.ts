// The room ban routes: ban, list bans, lift a ban. Each is zod in, one call into ./service.ts,
// JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, jsonBody, noContent, PageQuery, pick, RoomIdParam, UserIdParam } from "../http/schemas";
import { ban, liftBan, listBans } from "./service";

const BanCreate = z
  .object({ user_id: z.number().int().positive(), reason: z.string().trim().max(500).nullable().optional() })
  .strict()
  .openapi("RoomBanCreate");

const BanResponse = z
  .object({
    id: z.number().int(),
    room_id: z.number().int(),
    user_id: z.number().int(),
    username: z.string().nullable(),
    display_name: z.string().nullable(),
    reason: z.string().nullable(),
    banned_by_id: z.number().int().nullable(),
    banned_by_name: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("RoomBanResponse");

export const banRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/bans",
      tags: ["bans"],
      summary:
        "Ban a user: the owner and system admins ban anyone but the owner, room admins ban plain members and non-members. Removes the membership and closes the user's sockets",
      request: { params: RoomIdParam, ...jsonBody(BanCreate) },
      responses: { 200: json(BanResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await ban(c, c.req.valid("param").room_id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/bans",
      tags: ["bans"],
      summary: "Users banned from a room, newest first (owner, room admins, system admins)",
      request: { params: RoomIdParam, query: PageQuery },
      responses: { 200: json(z.array(BanResponse)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await listBans(c, c.req.valid("param").room_id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/bans/{user_id}",
      tags: ["bans"],
      summary: "Lift a ban (the user may apply or be invited again; membership is not restored)",
      request: { params: RoomIdParam.extend(UserIdParam.shape) },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, user_id } = c.req.valid("param");
      await liftBan(c, room_id, user_id);
      return c.body(null, 204);
    },
  );
