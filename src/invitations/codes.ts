// Invite codes (invite links): the owner and admins create expiring, optionally use-limited,
// revocable codes; anyone holding one joins the room without approval (rules in service.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { ErrorBody, json, jsonBody, noContent, PageQuery, pick, RoomIdParam } from "../http/schemas";
import { RoomResponse } from "../rooms/schemas";
import { CodeCreate, CodeParams, CodeResponse, DEFAULT_CODE_TTL_SECONDS, JoinByCode } from "./schemas";
import { createCode, joinByCode, listCodes, revokeCode } from "./service";

export const inviteCodeRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/join-by-code",
      tags: ["invite codes"],
      summary:
        "Join a room with an invite code (no approval needed). 404 unknown code; 410 expired, revoked or used up; 409 room full; 403 banned",
      request: jsonBody(JoinByCode),
      responses: { 200: json(RoomResponse), 410: json(ErrorBody, "The code expired, was revoked or is used up"), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await joinByCode(c, c.req.valid("json").code), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/invite-codes",
      tags: ["invite codes"],
      summary: `Create an invite code (owner, room admins, system admins); expires in expires_in_seconds (default ${DEFAULT_CODE_TTL_SECONDS}), max_uses null = unlimited`,
      request: { params: RoomIdParam, body: { content: { "application/json": { schema: CodeCreate } } } },
      responses: { 200: json(CodeResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      // An empty POST (no body) means all defaults.
      return c.json(await createCode(c, c.req.valid("param").room_id, CodeCreate.parse(c.req.valid("json") ?? {})), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/invite-codes",
      tags: ["invite codes"],
      summary: "A room's invite codes with their status, newest first (owner, room admins, system admins)",
      request: { params: RoomIdParam, query: PageQuery },
      responses: { 200: json(z.array(CodeResponse)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await listCodes(c, c.req.valid("param").room_id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/invite-codes/{code}",
      tags: ["invite codes"],
      summary: "Revoke an invite code (idempotent; the code then answers 410 invite_code_revoked)",
      request: { params: CodeParams },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, code } = c.req.valid("param");
      await revokeCode(c, room_id, code);
      return c.body(null, 204);
    },
  );
