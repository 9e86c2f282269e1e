// Delivery of one admin broadcast: a Durable Object per broadcast walks its target rooms in room id
// order, a page per alarm, and posts the announcement into each through the room's `announce` RPC
// (exactly once per room: the broadcast id is the message's key). Progress lives in D1 (`cursor`),
// so a crash, an eviction or a failed room call resumes where it stopped; nothing is kept in memory.
import { DurableObject } from "cloudflare:workers";
import { and, asc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { broadcasts, rooms } from "../db/schema";
import { roomStub } from "../room/client";

/** After a failed room call the page is tried again this much later (the calls are idempotent). */
const RETRY_MS = 5_000;

export const senderStub = (env: Env, broadcastId: number) => env.BROADCASTER.get(env.BROADCASTER.idFromName(`broadcast:${broadcastId}`));

export class Broadcaster extends DurableObject<Env> {
  /** Starts delivery, or resumes it; calling it again changes nothing. */
  async start(broadcastId: number): Promise<void> {
    await this.ctx.storage.put("id", broadcastId);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  async alarm(): Promise<void> {
    const id = await this.ctx.storage.get<number>("id");
    if (id === undefined) return;
    const next = await deliverPage(this.env, id);
    // Done: the object keeps nothing, so a finished broadcast costs nothing.
    if (next === "done") await this.ctx.storage.deleteAll();
    else await this.ctx.storage.setAlarm(Date.now() + (next === "retry" ? RETRY_MS : 0));
  }
}

/** Posts the broadcast into its next page of rooms and records how far it got. */
async function deliverPage(env: Env, id: number): Promise<"more" | "retry" | "done"> {
  const db = getDb(env.DB);
  const b = await db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!b || b.status === "done") return "done";
  const page = Number(env.BROADCAST_PAGE_ROOMS) || 50;
  // Rooms deleted since the broadcast was sent are simply not found; direct chats never are targets.
  const targets = await db
    .select({ id: rooms.id })
    .from(rooms)
    .where(and(eq(rooms.kind, "group"), gt(rooms.id, b.cursor), b.roomIds ? inArray(rooms.id, JSON.parse(b.roomIds) as number[]) : lte(rooms.id, b.upToRoomId)))
    .orderBy(asc(rooms.id))
    .limit(page)
    .all();
  if (!targets.length) {
    await db.update(broadcasts).set({ status: "done", finishedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))` }).where(eq(broadcasts.id, id)).run();
    return "done";
  }
  const actor = { id: b.senderId ?? 0, username: b.senderName, display_name: null };
  const results = await Promise.allSettled(targets.map((r) => roomStub(env, r.id).announce(r.id, actor, b.content, `broadcast:${id}`)));
  // The cursor only passes rooms that answered: the first failed call stops it there, and the rooms
  // after it are asked again next time (a second call is answered from the room's log). A refusal
  // cannot happen for a valid broadcast; it is logged and the room skipped rather than retried forever.
  const failed = results.findIndex((r) => r.status === "rejected");
  const reached = failed === -1 ? targets.length : failed;
  const answered = results.slice(0, reached);
  const delivered = answered.filter((r) => r.status === "fulfilled" && r.value.ok).length;
  if (failed !== -1) console.warn(`broadcast ${id}: room ${targets[failed].id} failed, retrying`, results[failed]);
  if (delivered < reached) console.warn(`broadcast ${id}: ${reached - delivered} room(s) refused it`, answered);
  if (reached > 0)
    await db
      .update(broadcasts)
      .set({ cursor: targets[reached - 1].id, roomsDelivered: sql`${broadcasts.roomsDelivered} + ${delivered}` })
      .where(and(eq(broadcasts.id, id), eq(broadcasts.cursor, b.cursor)))
      .run();
  return failed !== -1 ? "retry" : "more";
}
