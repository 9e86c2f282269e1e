// Pins: at most MAX_PINS messages per room, listed newest pin first with who pinned them and when.
// The worker decides who may pin (service); the room keeps the list with its messages, so a
// deleted or pruned message leaves it in the same write. Each change reaches the sockets as a frame.
import { desc, eq, sql } from "drizzle-orm";
import type { Fanout } from "./fanout";
import { roomArchived, type Flags } from "./flags";
import { MAX_PINS, refuse, type Actor, type Pin, type Refusal } from "./protocol";
import type { RateLimiter } from "./rate-limit";
import { ref, type Renderer } from "./render";
import { messages, pins } from "./schema";
import { roomDeleted, type RoomStorage } from "./storage";

export type Pinned = { ok: true; changed: boolean; pin: Pin | null };

export class Pins {
  constructor(
    private readonly s: RoomStorage,
    private readonly render: Renderer,
    private readonly fanout: Fanout,
    private readonly flags: Flags,
    private readonly limiter: RateLimiter,
  ) {}

  /**
   * Pins or unpins a message. Asking for what is already so changes nothing and broadcasts
   * nothing (a retry is safe). A deleted message, or one the actor cleared from their history, is
   * not found; a full list refuses a new pin (409).
   */
  set(actor: Actor, messageId: number, pin: boolean, cleared = 0): Pinned | Refusal {
    if (this.s.destroyed) return roomDeleted();
    const row = messageId > cleared ? this.s.byId.get({ id: messageId }) : undefined;
    if (!row || row.deletedAt) return refuse(404, "message_not_found", row ? "This message was deleted" : "Message not found");
    if (this.flags.archived()) return roomArchived();
    const db = this.s.db;
    const current = db.select().from(pins).where(eq(pins.messageId, messageId)).get();
    if (pin === !!current) return { ok: true, changed: false, pin: current ? { message: this.render.all([row], actor.id)[0], ...pinnedBy(current) } : null };
    if (pin && this.flags.postingBlocked()) return refuse(403, "cannot_message", "You cannot send messages in this conversation");
    const wait = this.limiter.take(actor.id);
    if (wait) return refuse(429, "rate_limited", `Too many changes; retry in ${wait}s`, wait);
    if (!pin) {
      db.delete(pins).where(eq(pins.messageId, messageId)).run();
      this.fanout.broadcast({ type: "message_unpinned", message_id: messageId, user: ref(actor) });
      this.fanout.flush();
      return { ok: true, changed: true, pin: null };
    }
    const count = db.select({ n: sql<number>`count(*)` }).from(pins).get()?.n ?? 0;
    if (count >= MAX_PINS) return refuse(409, "pin_limit_reached", `A room holds at most ${MAX_PINS} pinned messages; unpin one first`);
    const stored = db.insert(pins).values({ messageId, pinnedById: actor.id, pinnedByName: actor.username, pinnedAt: new Date().toISOString() }).returning().get();
    const made: Pin = { message: this.render.all([row], actor.id)[0], ...pinnedBy(stored) };
    // The frame carries everyone's view of the message: tallies without the pinner's `me`.
    const tallies = made.message.reactions.map(({ emoji, count }) => ({ emoji, count }));
    this.fanout.broadcast({ type: "message_pinned", pin: { ...made, message: { ...made.message, reactions: tallies } } });
    this.fanout.flush();
    return { ok: true, changed: true, pin: made };
  }

  /** The pin list, newest pin first: two statements plus one page render, whatever its length. */
  list(viewer: number, cleared = 0): Pin[] {
    const rows = this.s.db
      .select({ pin: pins, message: messages })
      .from(pins)
      .innerJoin(messages, eq(messages.id, pins.messageId))
      .where(sql`${pins.messageId} > ${cleared}`)
      .orderBy(desc(pins.id))
      .all();
    const rendered = this.render.all(
      rows.map((r) => r.message),
      viewer,
    );
    return rows.map((r, i) => ({ message: rendered[i], ...pinnedBy(r.pin) }));
  }

  /** The message was deleted: it leaves the list, and the sockets hear it. Returns whether it was pinned. */
  forget(messageId: number, actor: Actor): boolean {
    const gone = this.s.db.delete(pins).where(eq(pins.messageId, messageId)).returning({ id: pins.id }).get();
    if (gone) this.fanout.broadcast({ type: "message_unpinned", message_id: messageId, user: ref(actor) });
    return !!gone;
  }
}

const pinnedBy = (p: typeof pins.$inferSelect) => ({ pinned_by: { id: p.pinnedById, username: p.pinnedByName }, pinned_at: p.pinnedAt });
