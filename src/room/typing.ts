// Who is typing: rows in the room's storage with their expiry, announced to everyone but the
// typist. Keystroke-rate frames are folded, starts are rate limited, and the alarm expires them.
// A giant room (one with relays) announces no typist on their own: its presence frame, at most
// once a second, carries up to 3 of them and their count (room.ts, docs/realtime.md).
import { eq, lte, sql } from "drizzle-orm";
import type { Fanout } from "./fanout";
import type { Flags } from "./flags";
import type { Actor } from "./protocol";
import { RateLimiter } from "./rate-limit";
import { ref } from "./render";
import { typing } from "./schema";
import type { RoomStorage } from "./storage";

const TYPING_TTL_MS = 5_000;
const TYPING_REFRESH_MS = 3_000;
/**
 * Typing starts (after a stop) per user: a flapping client would otherwise make two broadcasts per
 * start/stop pair. Starts over it are dropped silently; stops always go through.
 */
const TYPING_STARTS_PER_SECOND = 2;
const TYPING_STARTS_BURST = 6;

export class Typing {
  private readonly limiter = new RateLimiter(TYPING_STARTS_PER_SECOND, TYPING_STARTS_BURST);

  constructor(
    private readonly s: RoomStorage,
    private readonly fanout: Fanout,
    private readonly flags: Flags,
    /** An expiry was added: the alarm may have to come sooner. */
    private readonly reschedule: () => void,
    /** The room has relays: typists are counted, not announced one by one. */
    private readonly giant: () => boolean = () => false,
    /** Who types changed in a giant room: its next presence frame says so (room.ts). */
    private readonly changed: () => void = () => {},
  ) {}

  private announce(frame: { type: "typing"; user: { id: number; username: string }; is_typing: boolean; expires_in_ms?: number }) {
    if (this.giant()) this.changed();
    else this.fanout.broadcast(frame, frame.user.id);
  }

  set(actor: Actor, isTyping: boolean) {
    if (isTyping && (this.flags.postingBlocked() || this.flags.archived())) return;
    // A stop is only announced after an accepted start, so limiting starts bounds both.
    if (!isTyping) return this.stop(actor.id);
    const now = Date.now();
    // Keystroke-rate typing frames are folded: a typist is re-announced at most every
    // TYPING_REFRESH_MS, which keeps other clients' TYPING_TTL_MS expiry from lapsing.
    const db = this.s.db;
    const current = this.count() ? db.select().from(typing).where(eq(typing.userId, actor.id)).get() : undefined;
    if (current && current.expiresAt - TYPING_TTL_MS > now - TYPING_REFRESH_MS) return;
    if (!current && this.limiter.take(actor.id)) return;
    const expiresAt = now + TYPING_TTL_MS;
    db.insert(typing).values({ userId: actor.id, username: actor.username, expiresAt }).onConflictDoUpdate({ target: typing.userId, set: { expiresAt } }).run();
    this.s.cache.typing = undefined;
    this.reschedule();
    // A refresh of someone already typing changes nothing a presence frame shows.
    if (current && this.giant()) return;
    this.announce({ type: "typing", user: ref(actor), is_typing: true, expires_in_ms: TYPING_TTL_MS });
  }

  stop(userId: number) {
    if (this.count() === 0) return;
    const gone = this.s.db.delete(typing).where(eq(typing.userId, userId)).returning().get();
    if (gone) this.s.cache.typing = this.count() - 1;
    if (gone) this.announce({ type: "typing", user: { id: gone.userId, username: gone.username }, is_typing: false });
  }

  stopAll() {
    for (const t of this.s.db.select({ userId: typing.userId }).from(typing).all()) this.stop(t.userId);
  }

  /** The alarm's job: indicators past their expiry stop. */
  expire(now: number) {
    for (const t of this.s.db.delete(typing).where(lte(typing.expiresAt, now)).returning().all())
      this.announce({ type: "typing", user: { id: t.userId, username: t.username }, is_typing: false });
    this.s.cache.typing = undefined;
  }

  /** Up to `n` of the typists (lowest ids: stable while they type), and how many there are (a giant room's presence frame). */
  who(n: number): { users: { id: number; username: string }[]; count: number } {
    const users = this.s.db.select({ id: typing.userId, username: typing.username }).from(typing).orderBy(typing.userId).limit(n).all();
    return { users, count: this.count() };
  }

  /** When the next indicator expires (Infinity: none). */
  due(): number {
    return this.s.db.select({ at: sql<number | null>`min(${typing.expiresAt})` }).from(typing).get()?.at ?? Infinity;
  }

  private count(): number {
    return (this.s.cache.typing ??= this.s.db.select({ n: sql<number>`count(*)` }).from(typing).get()?.n ?? 0);
  }
}
