// Client events (mounted at /events; the reference specs' event system for check-ins, alarms and
// the like): a client reports a typed event with a small JSON payload, optionally about one of its
// rooms, and reads its history back; system admins read everyone's. Retries are safe (client_id).
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { isForeignKeyViolation, isUniqueViolation } from "../db/errors";
import { events, type EventRow } from "../db/schema";
import { router } from "../http/app-env";
import { ApiError, badRequest, conflict, notFound } from "../http/errors";
import { intQuery, json, jsonBody, pick } from "../http/schemas";
import { instant } from "../messages/common";
import { ClientId } from "../room/protocol";
import { canPost, loadRoom, require } from "../rooms/access";

/** A payload is a note, not a file: at most this many characters of JSON. */
const MAX_PAYLOAD = 8_000;
/** Reports per user per minute: events are a log of what happens to a client, not a data store. */
const PER_MINUTE = 60;

const EventCreate = z
  .object({
    type: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, "1-64 of a-z 0-9 _ . - (e.g. check_in, alarm.smoke)")
      .openapi({ example: "check_in" }),
    payload: z.record(z.string(), z.unknown()).optional().openapi({ description: `Any JSON object, at most ${MAX_PAYLOAD} characters` }),
    room_id: z.number().int().positive().optional().openapi({ description: "The room it is about (you must be an active member)" }),
    client_id: ClientId.optional().openapi({ description: "Idempotency key: a retry returns the first report (200 instead of 201)" }),
  })
  .strict()
  .openapi("EventCreate");

const EventResponse = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    type: z.string(),
    payload: z.record(z.string(), z.unknown()).nullable(),
    room_id: z.number().int().nullable(),
    client_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Event");

const EventQuery = z
  .object({
    type: EventCreate.shape.type.optional(),
    user_id: intQuery(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "System admins: someone else's events" }),
    all_users: z.enum(["true"]).optional().openapi({ description: "System admins: everyone's events" }),
    since: instant.optional(),
    until: instant.optional(),
    before: intQuery(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "The next page: the last id you got" }),
    limit: intQuery(1, 100).default(50),
  })
  .refine((q) => !q.since || !q.until || q.since < q.until, { message: "since must be before until", path: ["until"] });

const toResponse = (e: EventRow) => ({
  id: e.id,
  user_id: e.userId,
  type: e.type,
  payload: e.payload ? (JSON.parse(e.payload) as Record<string, unknown>) : null,
  room_id: e.roomId,
  client_id: e.clientId,
  created_at: e.createdAt,
});

export const eventRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["events"],
      summary: "Report an event (201); a retry with the same client_id returns the first report (200), with different content 409",
      request: jsonBody(EventCreate),
      responses: { 201: json(EventResponse, "Recorded"), 200: json(EventResponse, "Already recorded"), ...pick(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const me = c.var.user;
      const db = getDb(c.env.DB);
      const payload = b.payload === undefined ? null : JSON.stringify(b.payload);
      if (payload && payload.length > MAX_PAYLOAD) throw badRequest("payload_too_large", `payload is over ${MAX_PAYLOAD} characters of JSON`);
      if (b.room_id !== undefined) {
        const access = await loadRoom(db, b.room_id, me, { kinds: ["group", "direct"] });
        require(canPost(access), "Only members can report events about a room", "not_a_member");
      }
      const same = (e: EventRow) => e.type === b.type && e.payload === payload && e.roomId === (b.room_id ?? null);
      const prior = async () => (b.client_id ? db.select().from(events).where(and(eq(events.userId, me.id), eq(events.clientId, b.client_id))).get() : undefined);
      const retried = (e: EventRow) => {
        if (!same(e)) throw conflict("client_id_conflict", "This client_id was already used for a different event");
        return c.json(toResponse(e), 200);
      };
      const first = await prior();
      if (first) return retried(first);
      // Counted from the log itself (events_user_idx, newest first), so the limit holds across isolates.
      const since = new Date(Date.now() - 60_000).toISOString();
      const recent = await db
        .select({ n: sql<number>`count(*)` })
        .from(sql`(SELECT ${events.createdAt} AS at FROM ${events} WHERE ${events.userId} = ${me.id} ORDER BY ${events.id} DESC LIMIT ${PER_MINUTE})`)
        .where(sql`at > ${since}`)
        .get();
      if ((recent?.n ?? 0) >= PER_MINUTE)
        throw new ApiError(429, "rate_limited", `At most ${PER_MINUTE} events a minute; retry in a minute`, { headers: { "Retry-After": "60" }, retry_after: 60 });
      try {
        const row = await db
          .insert(events)
          .values({ userId: me.id, type: b.type, payload, roomId: b.room_id ?? null, clientId: b.client_id ?? null })
          .returning()
          .get();
        return c.json(toResponse(row), 201);
      } catch (e) {
        // Two identical retries raced: the loser answers with the winner's row.
        const winner = isUniqueViolation(e) ? await prior() : undefined;
        if (winner) return retried(winner);
        // The room was deleted after the membership check.
        if (isForeignKeyViolation(e)) throw notFound("Room");
        throw e;
      }
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["events"],
      summary: "Your events, newest first (system admins: anyone's with user_id, or everyone's with all_users=true); filter by type and time, page with before",
      request: { query: EventQuery },
      responses: { 200: json(z.array(EventResponse)), ...pick(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const me = c.var.user;
      if ((q.user_id !== undefined && q.user_id !== me.id) || q.all_users) require(me.isAdmin, "Only system admins read other users' events");
      if (q.user_id !== undefined && q.all_users) throw badRequest("invalid_request", "give user_id or all_users, not both");
      const who = q.all_users ? undefined : eq(events.userId, q.user_id ?? me.id);
      const rows = await getDb(c.env.DB)
        .select()
        .from(events)
        .where(
          and(
            who,
            q.type !== undefined ? eq(events.type, q.type) : undefined,
            q.since !== undefined ? gte(events.createdAt, q.since) : undefined,
            q.until !== undefined ? lt(events.createdAt, q.until) : undefined,
            q.before !== undefined ? lt(events.id, q.before) : undefined,
          ),
        )
        .orderBy(desc(events.id))
        .limit(q.limit)
        .all();
      return c.json(rows.map(toResponse), 200);
    },
  );
