// Admin broadcasts, for every door (system admins only): send an announcement into a list of
// group rooms or into every group room, and follow its delivery. The message itself is posted by
// the broadcast's own Durable Object (./sender.ts); this module records the broadcast and starts it.
import type { z } from "@hono/zod-openapi";
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb, inIds } from "../db/client";
import { broadcasts, rooms, type BroadcastRow } from "../db/schema";
import { conflict, forbidden, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { retryOnce } from "../room/client";
import type { Broadcast, NewBroadcast } from "./schemas";
import { senderStub } from "./sender";

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
