// Admin broadcasts, for every door (system admins only): send an announcement into a list of
// group rooms or into every group room, and follow its delivery. This module records the broadcast,
// starts its own Durable Object (./sender.ts), and posts each page of rooms when that object's
// alarm asks (deliverPage), so the rule of who gets a broadcast lives here alone.
import type { z } from "@hono/zod-openapi";
import { and, asc, desc, eq, gt, lte, sql } from "drizzle-orm";
import { getDb, inIds } from "../db/client";
import { broadcasts, rooms, type BroadcastRow } from "../db/schema";
import { conflict, forbidden, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { retryOnce, roomStub } from "../room/client";
import type { Broadcast, NewBroadcast } from "./schemas";

/** A room that fails this many times in a row is skipped (logged, not counted as delivered). */
const MAX_TRIES = 5;
/** Stalled broadcasts the cron sweep restarts per run. */
const SWEEP = 50;

/** The room a page keeps failing on, and how often: kept in the sender object's storage. */
export type Tries = { room: number; n: number };

/** The object that delivers broadcast `broadcastId` (./sender.ts). */
export const senderStub = (env: Env, broadcastId: number) => env.BROADCASTER.get(env.BROADCASTER.idFromName(`broadcast:${broadcastId}`));

export type BroadcastView = z.infer<typeof Broadcast>;

const toBroadcast = (b: BroadcastRow): BroadcastView => ({
  id: b.id,
  content: b.content,
  sender: { id: b.senderId, username: b.senderName },
  target: b.roomIds ? "rooms" : "all_rooms",
  room_ids: b.roomIds ? (JSON.parse(b.roomIds) as number[]) : null,
  status: b.status,
  rooms_total: b.roomsTotal,
  rooms_delivered: b.roomsDelivered,
  client_id: b.clientId,
  created_at: b.createdAt,
  finished_at: b.finishedAt,
});

/** A retried send must ask for the same thing; the same client_id for another broadcast is a conflict. */
const sameBroadcast = (row: BroadcastRow, b: NewBroadcast) =>
  row.content === b.content && row.roomIds === (b.room_ids ? JSON.stringify([...b.room_ids].sort((x, y) => x - y)) : null);

/**
 * Starts (or resumes) delivery. The broadcast is recorded either way: if its object cannot be
 * reached now, the cron sweep (resumeBroadcasts) or the next look at it starts it, so this never
 * turns an accepted broadcast into an error that invites a second one.
 */
async function start(env: Env, b: BroadcastRow) {
  if (b.status !== "sending") return;
  await retryOnce(() => senderStub(env, b.id).start(b.id)).catch((err: unknown) => console.error(`broadcast ${b.id}: start failed, left to the sweep`, err));
}

const adminOnly = (isAdmin: boolean) => {
  if (!isAdmin) throw forbidden("Only system admins manage broadcasts");
};

/**
 * Records and starts a broadcast (created: true), or returns the first one of a retry with the
 * same client_id (409 client_id_conflict when it asked for something else).
 */
export async function sendBroadcast(c: Caller, b: NewBroadcast): Promise<{ broadcast: BroadcastView; created: boolean }> {
  const me = c.var.user;
  adminOnly(me.isAdmin);
  const db = getDb(c.env.DB);
  const retried = async () => {
    const prior = b.client_id ? await db.select().from(broadcasts).where(and(eq(broadcasts.senderId, me.id), eq(broadcasts.clientId, b.client_id))).get() : undefined;
    if (!prior) return undefined;
    if (!sameBroadcast(prior, b)) throw conflict("client_id_conflict", "This client_id was already used for a different broadcast");
    // Resuming is harmless: delivery is exactly once per room whatever happened to the first call.
    await start(c.env, prior);
    return { broadcast: toBroadcast(prior), created: false };
  };
  const first = await retried();
  if (first) return first;

  let roomIds: string | null = null;
  let total: number;
  let upTo = 0;
  if (b.room_ids) {
    // One bound parameter for the whole list (D1 allows 100 per statement).
    const found = await db
      .select({ id: rooms.id })
      .from(rooms)
      .where(and(inIds(rooms.id, b.room_ids), eq(rooms.kind, "group")))
      .all();
    const missing = b.room_ids.filter((rid) => !found.some((r) => r.id === rid));
    if (missing.length) throw notFound(`Group room ${missing.join(", ")}`, "room_not_found");
    roomIds = JSON.stringify([...b.room_ids].sort((x, y) => x - y));
    total = b.room_ids.length;
  } else {
    // Every group room that exists now; rooms created while it is delivered are not included.
    const row = await db
      .select({ upTo: sql<number>`coalesce(max(${rooms.id}), 0)`, total: sql<number>`count(*) FILTER (WHERE ${rooms.kind} = 'group')` })
      .from(rooms)
      .get();
    upTo = row?.upTo ?? 0;
    total = row?.total ?? 0;
  }
  // A concurrent retry with the same client_id may win the insert: then this one is the retry.
  const created = await db
    .insert(broadcasts)
    .values({ senderId: me.id, senderName: me.username, content: b.content, roomIds, upToRoomId: upTo, roomsTotal: total, clientId: b.client_id ?? null })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!created) return (await retried())!;
  await start(c.env, created);
  return { broadcast: toBroadcast(created), created: true };
}

/** Broadcasts sent, newest first, with their delivery progress. */
export async function listBroadcasts(c: Caller, page: { limit: number; offset: number }): Promise<BroadcastView[]> {
  adminOnly(c.var.user.isAdmin);
  const rows = await getDb(c.env.DB).select().from(broadcasts).orderBy(desc(broadcasts.id)).limit(page.limit).offset(page.offset).all();
  return rows.map(toBroadcast);
}

/** One broadcast and its delivery progress; looking at one still sending resumes it. */
export async function getBroadcast(c: Caller, broadcastId: number): Promise<BroadcastView> {
  adminOnly(c.var.user.isAdmin);
  const row = await getDb(c.env.DB).select().from(broadcasts).where(eq(broadcasts.id, broadcastId)).get();
  if (!row) throw notFound("Broadcast", "broadcast_not_found");
  await start(c.env, row);
  return toBroadcast(row);
}

/** The cron sweep: restarts broadcasts still sending (starting a running one changes nothing). */
export async function resumeBroadcasts(env: Env): Promise<void> {
  const stalled = await getDb(env.DB).select({ id: broadcasts.id }).from(broadcasts).where(eq(broadcasts.status, "sending")).orderBy(asc(broadcasts.id)).limit(SWEEP).all();
  const started = await Promise.allSettled(stalled.map((b) => senderStub(env, b.id).start(b.id)));
  for (const r of started) if (r.status === "rejected") console.error("broadcast sweep: a start failed", r.reason);
}

/** Posts the broadcast into its next page of rooms and records how far it got. */
export async function deliverPage(env: Env, id: number, storage: DurableObjectStorage): Promise<"more" | "retry" | "done"> {
  const db = getDb(env.DB);
  const b = await db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!b || b.status === "done") return "done";
  // The rooms key each message by (sender, key): the sender must stay the same on every page, even
  // if the admin's account is deleted meanwhile (sender_id becomes null in D1). Kept here.
  let sender = await storage.get<number>("sender");
  if (sender === undefined) {
    sender = b.senderId ?? 0;
    await storage.put("sender", sender);
  }
  const page = Number(env.BROADCAST_PAGE_ROOMS) || 50;
  // Rooms deleted since the broadcast was sent are simply not found; direct chats never are targets.
  const targets = await db
    .select({ id: rooms.id })
    .from(rooms)
    .where(and(eq(rooms.kind, "group"), gt(rooms.id, b.cursor), b.roomIds ? sql`${rooms.id} IN (SELECT value FROM json_each(${b.roomIds}))` : lte(rooms.id, b.upToRoomId)))
    .orderBy(asc(rooms.id))
    .limit(page)
    .all();
  if (!targets.length) {
    await db.update(broadcasts).set({ status: "done", finishedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))` }).where(eq(broadcasts.id, id)).run();
    return "done";
  }
  const actor = { id: sender, username: b.senderName, display_name: null };
  const results = await Promise.allSettled(targets.map((r) => roomStub(env, r.id).announce(actor, b.content, `broadcast:${id}`)));
  // The cursor only passes rooms that answered: the first failed call stops it there, and the rooms
  // after it are asked again next time (a second call is answered from the room's log). A room that
  // keeps failing is skipped after MAX_TRIES; a refusal cannot happen for a valid broadcast, and is
  // logged and skipped rather than retried forever.
  const failed = results.findIndex((r) => r.status === "rejected");
  let reached = failed === -1 ? targets.length : failed;
  if (failed !== -1) {
    const prior = await storage.get<Tries>("tries");
    const n = prior?.room === targets[failed].id ? prior.n + 1 : 1;
    if (n >= MAX_TRIES) {
      console.error(`broadcast ${id}: room ${targets[failed].id} failed ${n} times, skipped`, results[failed]);
      reached = failed + 1;
    } else await storage.put("tries", { room: targets[failed].id, n } satisfies Tries);
  }
  const answered = results.slice(0, reached);
  const delivered = answered.filter((r) => r.status === "fulfilled" && r.value.ok).length;
  if (reached === failed) console.warn(`broadcast ${id}: room ${targets[failed].id} failed, retrying`, results[failed]);
  if (delivered < reached) console.warn(`broadcast ${id}: ${reached - delivered} room(s) refused or skipped`, answered);
  if (reached > 0)
    await db
      .update(broadcasts)
      .set({ cursor: targets[reached - 1].id, roomsDelivered: sql`${broadcasts.roomsDelivered} + ${delivered}` })
      .where(and(eq(broadcasts.id, id), eq(broadcasts.cursor, b.cursor)))
      .run();
  return reached === failed ? "retry" : "more";
}
