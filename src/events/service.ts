// Client events, for every door (the reference specs' event system for check-ins, alarms and the
// like): a client reports a typed event with a small JSON payload, optionally about one of its
// rooms, and reads its history back; system admins read everyone's. Retries are safe (client_id);
// reports are limited per user per minute, counted from the log itself.
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { isForeignKeyViolation, isUniqueViolation } from "../db/errors";
import { events, type EventRow } from "../db/schema";
import { ApiError, badRequest, conflict, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { canPost, loadRoom, require } from "../rooms/access";
import { MAX_PAYLOAD, type EventCreate, type EventQuery } from "./schemas";

/** Reports per user per minute: events are a log of what happens to a client, not a data store. */
const PER_MINUTE = 60;

export type Event = ReturnType<typeof toEvent>;
const toEvent = (e: EventRow) => ({
  id: e.id,
  user_id: e.userId,
  type: e.type,
  payload: e.payload ? (JSON.parse(e.payload) as Record<string, unknown>) : null,
  room_id: e.roomId,
  client_id: e.clientId,
  created_at: e.createdAt,
});

/** Records an event (created: true), or returns the first report of a retry with the same client_id (409 for different content). */
export async function reportEvent(c: Caller, b: z.infer<typeof EventCreate>): Promise<{ event: Event; created: boolean }> {
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
    return { event: toEvent(e), created: false };
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
    return { event: toEvent(row), created: true };
  } catch (e) {
    // Two identical retries raced: the loser answers with the winner's row.
    const winner = isUniqueViolation(e) ? await prior() : undefined;
    if (winner) return retried(winner);
    // The room was deleted after the membership check.
    if (isForeignKeyViolation(e)) throw notFound("Room");
    throw e;
  }
}

/** The caller's events, newest first (system admins: anyone's, or everyone's). */
export async function listEvents(c: Caller, q: z.infer<typeof EventQuery>): Promise<Event[]> {
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
  return rows.map(toEvent);
}
