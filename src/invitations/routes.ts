// Room invitations: the owner and admins add a user at once; a plain member's invitation waits as
// pending until the owner or an admin approves or rejects it (rules in service.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { id, json, jsonBody, PageQuery, pick, RoomIdParam } from "../http/schemas";
import { InvitationCreate, InvitationCreated, InvitationProcess, InvitationResponse } from "./schemas";
import { invite, listInvitations, processInvitation } from "./service";

export const invitationRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/invitations",
      tags: ["invitations"],
      summary:
        "Invite a user: the owner, room admins and system admins add them at once; a plain member's invitation stays pending until the owner or an admin processes it",
      request: { params: RoomIdParam, ...jsonBody(InvitationCreate) },
      responses: { 200: json(InvitationCreated), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await invite(c, c.req.valid("param").room_id, c.req.valid("json").user_id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/invitations",
      tags: ["invitations"],
      summary: "Invitations to a room with inviter and invitee, newest first (owner, room admins, system admins)",
      request: { params: RoomIdParam, query: PageQuery.extend({ status_filter: z.enum(["pending", "approved", "rejected"]).optional() }) },
      responses: { 200: json(z.array(InvitationResponse)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await listInvitations(c, c.req.valid("param").room_id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/invitations/{invitation_id}/process",
      tags: ["invitations"],
      summary: "Approve (the invitee becomes an active member) or reject a pending invitation (owner, room admins, system admins)",
      request: { params: z.object({ invitation_id: id("invitation_id") }), ...jsonBody(InvitationProcess) },
      responses: { 200: json(InvitationResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await processInvitation(c, c.req.valid("param").invitation_id, c.req.valid("json").status), 200),
  );
