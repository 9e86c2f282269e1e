// How long the room keeps its log: the newest HISTORY_RETENTION_MESSAGES (pruned with each
// summary write) and HISTORY_RETENTION_DAYS of them (pruned by the alarm in bounded steps).
// Later `since`/`after` below what was pruned get a gap. A pruned message takes its reactions, its
// pin and its earlier versions with it.
import { asc, lt, lte, sql } from "drizzle-orm";
import { messageEdits, messages, pins, reactions } from "./schema";
import type { RoomStorage } from "./storage";

const DAY_MS = 86_400_000;
/** Retention prunes at most this many messages per alarm, at most hourly outside a backlog. */
const PRUNE_BATCH = 10_000;
const RETENTION_STEP_MS = 3_600_000;
/** The pause before the next step of a backlog. */
const STEP_PAUSE_MS = 1_000;

export class Retention {
  constructor(
    private readonly env: Env,
    private readonly s: RoomStorage,
  ) {}

  /** Days kept (0: no time-based retention). */
  days(): number {
    return Math.max(0, Number(this.env.HISTORY_RETENTION_DAYS) || 0);
  }

  /** Count-based retention, riding on the summary write: at most one prune per second of activity. */
  pruneToCount() {
    const keep = Number(this.env.HISTORY_RETENTION_MESSAGES) || 0;
    if (keep > 0) this.prune(keep);
  }

  /** Drops messages older than the newest `keep`. */
  prune(keep: number): number {
    const { oldest, last } = this.s.bounds();
    if (last - oldest + 1 <= keep) return 0;
    const db = this.s.db;
    // Returns only a count: RETURNING every pruned row would read them all back.
    const before = db.select({ n: sql<number>`count(*)` }).from(messages).get()?.n ?? 0;
    this.drop(last - keep);
    return before - keep;
  }

  /**
   * Drops messages sent more than `days` ago. Ids follow send time, so this is the oldest ids up
   * to the newest expired one (messages_sent_at_idx).
   */
  pruneOlderThan(days: number, now = Date.now(), max = Infinity): number {
    const db = this.s.db;
    const cutoff = new Date(now - days * DAY_MS).toISOString();
    const expired = db.select({ id: sql<number | null>`max(${messages.id})` }).from(messages).where(lt(messages.sentAt, cutoff)).get()?.id;
    if (!expired) return 0;
    const upTo = Math.min(expired, this.s.bounds().oldest + max - 1);
    const n = db.select({ n: sql<number>`count(*)` }).from(messages).where(lte(messages.id, upTo)).get()?.n ?? 0;
    this.drop(upTo);
    return n;
  }

  /** Every message up to `upTo`, and what hangs on them. */
  private drop(upTo: number) {
    const db = this.s.db;
    db.delete(messages).where(lte(messages.id, upTo)).run();
    db.delete(reactions).where(lte(reactions.messageId, upTo)).run();
    db.delete(pins).where(lte(pins.messageId, upTo)).run();
    db.delete(messageEdits).where(lte(messageEdits.messageId, upTo)).run();
  }

  /** The alarm's job: one bounded step; what is left of a backlog goes at the next, a second later. */
  step(now: number) {
    const days = this.days();
    this.s.del("prune_more");
    if (days && this.pruneOlderThan(days, now, PRUNE_BATCH) === PRUNE_BATCH) this.s.set("prune_more", String(Date.now() + STEP_PAUSE_MS));
  }

  /**
   * When retention next has work (Infinity: never): the rest of a backlog a second after a step,
   * else the oldest kept message's expiry, but never sooner than an hour away, so a room idle
   * since a busy day wakes hourly to prune, not once per expiring message.
   */
  due(): number {
    const days = this.days();
    if (!days) return Infinity;
    const more = this.s.get("prune_more");
    if (more !== undefined) return Number(more);
    const oldest = this.s.db.select({ sentAt: messages.sentAt }).from(messages).orderBy(asc(messages.id)).limit(1).get();
    return oldest ? Math.max(Date.parse(oldest.sentAt) + days * DAY_MS, Date.now() + RETENTION_STEP_MS) : Infinity;
  }
}
