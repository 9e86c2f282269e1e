// Delivery of one admin broadcast: a Durable Object per broadcast walks its target rooms in room id
// order, a page per alarm (deliverPage in ./service.ts posts the page). Progress lives in D1
// (`cursor`), so a crash, an eviction or a failed room call resumes where it stopped; nothing is kept
// in memory. A broadcast whose object was never started (the call failed after the row was written)
// is picked up by the worker's cron sweep (resumeBroadcasts).
import { DurableObject } from "cloudflare:workers";
import { deliverPage, type Tries } from "./service";

/** After a failed step the page is tried again later (the calls are idempotent), backing off. */
const RETRY_MS = 5_000;
const MAX_RETRY_MS = 60_000;

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

