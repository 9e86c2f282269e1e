// Join requests: apply to a room, list applications, approve or reject them. Approval and
// auto-approval add the member in the same D1 batch as the request's state change.
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb, type Db } from "../db/client";
import { joinRequests, roomMembers, rooms, users } from "../db/schema";
import { router } from "../http/app-env";
import { badRequest, notFound } from "../http/errors";
import { id, json, jsonBody, PageQuery, pick, RoomIdParam } from "../http/schemas";
import { admitMember } from "../members/admit";
import { canModerate, loadRoom, require, requireActive } from "../rooms/access";
import { applyToJoin, readRequest, roomFull, toResponse } from "./service";

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

const pendingGuard = (requestId: number) =>
  sql`EXISTS (SELECT 1 FROM ${joinRequests} WHERE ${joinRequests.id} = ${requestId} AND ${joinRequests.status} = 'pending')`;

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
    async (c) => {
      const db = getDb(c.env.DB);
      const { status_filter, limit, offset } = c.req.valid("query");
      const access = await loadRoom(db, c.req.valid("param").room_id, c.var.user);
      require(canModerate(access), "Only the owner and room admins can see join requests");
      const rows = await db
        .select({ r: joinRequests, name: users.username, email: users.email })
        .from(joinRequests)
        .leftJoin(users, eq(users.id, joinRequests.applicantId))
        .where(and(eq(joinRequests.roomId, access.room.id), status_filter ? eq(joinRequests.status, status_filter) : undefined))
        .orderBy(desc(joinRequests.id))
        .limit(limit)
        .offset(offset)
        .all();
      return c.json(rows.map(toResponse), 200);
    },
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
      const db = getDb(c.env.DB);
      const { request_id } = c.req.valid("param");
      const { status, process_message } = c.req.valid("json");
      const request = await db.select().from(joinRequests).where(eq(joinRequests.id, request_id)).get();
      if (!request) throw notFound("Join request");
      const access = await loadRoom(db, request.roomId, c.var.user);
      require(canModerate(access), "Only the owner and room admins can process join requests");
      if (request.status !== "pending") throw badRequest("request_not_pending", `This request was already ${request.status}`);
      if (status === "approved") requireActive(access);

      const decision = { status, processedAt: new Date().toISOString(), processedById: c.var.user.id, processMessage: process_message ?? null };
      const stillPending = and(eq(joinRequests.id, request_id), eq(joinRequests.status, "pending"));
      if (status === "approved") {
        const [, decided] = await db.batch([
          admitMember(db, request.roomId, request.applicantId, pendingGuard(request_id)),
          // Approved only if the membership exists now; otherwise the room was full.
          db
            .update(joinRequests)
            .set(decision)
            .where(
              and(
                stillPending,
                sql`EXISTS (SELECT 1 FROM ${roomMembers} WHERE ${roomMembers.roomId} = ${request.roomId} AND ${roomMembers.userId} = ${request.applicantId} AND ${roomMembers.status} = 'active')`,
              ),
            )
            .returning({ id: joinRequests.id }),
        ]);
        if (!decided.length) {
          const now = await db.select({ status: joinRequests.status }).from(joinRequests).where(eq(joinRequests.id, request_id)).get();
          if (now?.status !== "pending") throw badRequest("request_not_pending", "This request was already processed");
          throw roomFull();
        }
      } else {
        const done = await db.update(joinRequests).set(decision).where(stillPending).returning({ id: joinRequests.id }).all();
        if (!done.length) throw badRequest("request_not_pending", "This request was already processed");
      }
      return c.json((await readRequest(db, request_id))!, 200);
    },
  );
