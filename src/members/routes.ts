// Room members: list, add in bulk, change roles, remove, leave, transfer ownership (rules in
// service.ts). Anyone who loses access has their sockets closed by the room object at once.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { id, json, jsonBody, noContent, PageQuery, pick, RoomIdParam } from "../http/schemas";
import { BulkAdd, BulkAdded, MemberResponse, toMemberResponse } from "./schemas";
import { addMembers, leaveRoom, listMembers, removeMember, setRole, transferOwnership } from "./service";

const MemberParams = RoomIdParam.extend({ member_id: id("member_id") });

export const memberRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/members",
      tags: ["members"],
      summary: "Active members: owner first, then admins, then by join time",
      request: { params: RoomIdParam, query: PageQuery },
      responses: { 200: json(z.array(MemberResponse)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const rows = await listMembers(c, c.req.valid("param").room_id, c.req.valid("query"));
      return c.json(rows.map(toMemberResponse(c.var.user)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/members",
      tags: ["members"],
      summary:
        "Add up to 100 users at once (owner, room admins, system admins): all of them or none. Users already in the room are skipped and listed in already_members",
      request: { params: RoomIdParam, ...jsonBody(BulkAdd) },
      responses: { 200: json(BulkAdded), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await addMembers(c, c.req.valid("param").room_id, c.req.valid("json").user_ids), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{room_id}/members/{member_id}/set-role",
      tags: ["members"],
      summary: "Make a member an admin or a plain member (owner or system admin; not yourself, never the owner)",
      request: { params: MemberParams, ...jsonBody(z.object({ role: z.enum(["member", "admin"]) }).openapi("ChatRoomMemberUpdateRole")) },
      responses: { 200: json(MemberResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { room_id, member_id } = c.req.valid("param");
      return c.json(await setRole(c, room_id, member_id, c.req.valid("json").role), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/members/{member_id}",
      tags: ["members"],
      summary:
        "Remove a member: the owner and system admins remove anyone but the owner, room admins remove plain members, anyone removes themself (not the owner)",
      request: { params: MemberParams },
      responses: { ...noContent, ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { room_id, member_id } = c.req.valid("param");
      await removeMember(c, room_id, member_id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/leave",
      tags: ["members"],
      summary: "Leave a room (the owner must transfer ownership first)",
      request: { params: RoomIdParam },
      responses: { ...noContent, ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      await leaveRoom(c, c.req.valid("param").room_id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/transfer-owner",
      tags: ["members"],
      summary: "Hand the room to another active member; the old owner becomes an admin",
      request: { params: RoomIdParam, ...jsonBody(z.object({ user_id: z.number().int().positive() }).openapi("TransferOwnerRequest")) },
      responses: { 200: json(MemberResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await transferOwnership(c, c.req.valid("param").room_id, c.req.valid("json").user_id), 200),
  );
