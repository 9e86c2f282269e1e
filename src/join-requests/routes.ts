// Join requests: apply to a room, list applications, approve or reject them (rules in service.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { id, json, jsonBody, PageQuery, pick, RoomIdParam } from "../http/schemas";
import { applyToJoin, listRequests, processRequest } from "./service";

const JoinRequestResponse = z
  .object({
    id: z.number().int(),
    room_id: z.number().int(),
    applicant_id: z.number().int(),
    applicant_name: z.string().nullable(),
    applicant_email: z.string().nullable(),
    message: z.string().nullable(),
    status: z.enum(["pending", "approved", "rejected"]),
    applied_at: z.string(),
    processed_at: z.string().nullable(),
    processed_by_id: z.number().int().nullable(),
    process_message: z.string().nullable(),
  })
  .openapi("ChatJoinRequestResponse");

const JoinRequestCreate = z.object({ message: z.string().max(500).nullable().optional() }).strict().openapi("ChatJoinRequestCreate");
const JoinRequestProcess = z
  .object({ status: z.enum(["approved", "rejected"]), process_message: z.string().max(500).nullable().optional() })
  .strict()
  .openapi("ChatJoinRequestProcess");

export const joinRequestRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/join-request",
      tags: ["join requests"],
      summary: "Apply to join a room; approved at once when the room does not require approval",
      request: { params: RoomIdParam, body: { content: { "application/json": { schema: JoinRequestCreate } } } },
      responses: { 200: json(JoinRequestResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await applyToJoin(c, c.req.valid("param").room_id, c.req.valid("json")?.message ?? null), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/join-requests",
      tags: ["join requests"],
      summary: "Applications to a room, newest first (owner, room admins, system admins)",
      request: {
        params: RoomIdParam,
        query: PageQuery.extend({ status_filter: z.enum(["pending", "approved", "rejected"]).optional() }),
      },
      responses: { 200: json(z.array(JoinRequestResponse)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await listRequests(c, c.req.valid("param").room_id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/join-requests/{request_id}/process",
      tags: ["join requests"],
      summary: "Approve or reject a pending application (owner, room admins, system admins)",
      request: { params: z.object({ request_id: id("request_id") }), ...jsonBody(JoinRequestProcess) },
      responses: { 200: json(JoinRequestResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { status, process_message } = c.req.valid("json");
      return c.json(await processRequest(c, c.req.valid("param").request_id, status, process_message ?? null), 200);
    },
  );
