// Delivery of one admin broadcast: a Durable Object per broadcast walks its target rooms in room id
// order, a page per alarm, and posts the announcement into each through the room's `announce` RPC
// (exactly once per room: the broadcast id is the message's key). Progress lives in D1 (`cursor`),
// so a crash, an eviction or a failed room call resumes where it stopped; nothing is kept in memory.
// A broadcast whose object was never started (the call failed after the row was written) is picked
// up by the worker's cron sweep (resumeBroadcasts).
import { DurableObject } from "cloudflare:workers";
import { and, asc, eq, gt, lte, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { broadcasts, rooms } from "../db/schema";
import { roomStub } from "../room/client";

/** After a failed step the page is tried again later (the calls are idempotent), backing off. */
const RETRY_MS = 5_000;
const MAX_RETRY_MS = 60_000;
/** A room that fails this many times in a row is skipped (logged, not counted as delivered). */
const MAX_TRIES = 5;
/** Stalled broadcasts the cron sweep restarts per run. */
const SWEEP = 50;

type Tries = { room: number; n: number };

export const senderStub = (env: Env, broadcastId: number) => env.BROADCASTER.get(env.BROADCASTER.idFromName(`broadcast:${broadcastId}`));

export class Broadcaster extends DurableObject<Env> {
  /** Starts delivery, or resumes it; calling it again changes nothing. */
  async start(broadcastId: number): Promise<void> {
    await this.ctx.storage.put("id", broadcastId);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  async alarm(): Promise<void> {
    const storage = this.ctx.storage;
    const id = await storage.get<number>("id");
    if (id === undefined) return;
    // Never thrown out of the alarm: the runtime gives up on an alarm after a few failed retries,
    // which would leave the broadcast "sending" for good. Failures back off and try again.
    const next = await deliverPage(this.env, id, storage).catch((err: unknown) => {
      console.error(`broadcast ${id}: delivery step failed, retrying`, err);
      return "retry" as const;
    });
    // Done: the object keeps nothing, so a finished broadcast costs nothing.
    if (next === "done") return storage.deleteAll();
    if (next === "more") return storage.setAlarm(Date.now());
    const tries = (await storage.get<Tries>("tries"))?.n ?? 1;
    await storage.setAlarm(Date.now() + Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** (tries - 1)));
  }
}

/** The cron sweep: restarts broadcasts still sending (starting a running one changes nothing). */
export async function resumeBroadcasts(env: Env): Promise<void> {
  const stalled = await getDb(env.DB).select({ id: broadcasts.id }).from(broadcasts).where(eq(broadcasts.status, "sending")).orderBy(asc(broadcasts.id)).limit(SWEEP).all();
  const started = await Promise.allSettled(stalled.map((b) => senderStub(env, b.id).start(b.id)));
  for (const r of started) if (r.status === "rejected") console.error("broadcast sweep: a start failed", r.reason);
}

/** Posts the broadcast into its next page of rooms and records how far it got. */
async function deliverPage(env: Env, id: number, storage: DurableObjectStorage): Promise<"more" | "retry" | "done"> {
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
