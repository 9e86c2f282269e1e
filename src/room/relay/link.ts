// The room's side of its relays (docs/realtime.md, "Giant rooms"). While the room has relays,
// every frame it broadcasts is also logged, in order, in relay_log (`seq` is the stream's order),
// and pushed to each relay: at most one call in flight per relay; what was broadcast meanwhile
// goes in the next call, which carries the previous seq, so a relay that missed anything sees the
// hole and asks for the range. The room stays the sequencer and the store: the log row is written
// in the same turn as the message, and the output gate holds the push until both are durable.
// In memory only: what each relay was sent and holds, rebuilt from the pushes' answers after a wake.
import { and, gt, lte, sql } from "drizzle-orm";
import type { ClosingKind } from "../protocol";
import { relayLog } from "../schema";
import type { RoomStorage } from "../storage";
import { relayName, relayThreshold, type Placement } from "./placement";
import type { Entry, PushReply } from "./wire";

/** Entries per push or range answer; a relay further behind asks again. */
const PAGE = 500;
/** Entries kept for relays that fell behind; one further behind closes its sockets to resume. */
const KEEP = 5_000;

export class RelayLink {
  /** Per relay: the last seq sent (the in-flight call included), and whether a call is in flight. */
  private sent = new Map<number, number>();
  private inFlight = new Set<number>();
  /** Sockets each relay held at its last answer (relays not heard from since a wake: unknown). */
  private held = new Map<number, number>();
  private headSeq?: number;
  private writes = 0;

  constructor(
    private readonly env: Env,
    private readonly s: RoomStorage,
  ) {}

  /** How many relays the room has (0: a room like any other). */
  get relays(): number {
    return (this.s.cache.relays ??= Number(this.s.get("relays") ?? 0));
  }

  private setRelays(n: number) {
    this.s.set("relays", String(n));
    this.s.cache.relays = n;
  }

  /**
   * Where a new socket goes: null for the room itself (fewer than the threshold online here and
   * no relays), else the relay count, ceil(online / threshold) with the new socket counted, and
   * the relays known to be full. Relays are never fewer than before while any holds sockets.
   */
  placement(own: number): Placement | null {
    const t = relayThreshold(this.env);
    if (this.relays === 0 && own < t) return null;
    let online = own + 1;
    for (const n of this.held.values()) online += n;
    let relays = Math.max(this.relays, Math.ceil(online / t));
    const full = [...this.held].filter(([i, n]) => i < relays && n >= t).map(([i]) => i);
    if (full.length >= relays) relays++;
    if (relays !== this.relays) this.setRelays(relays);
    return { relays, full };
  }

  /** The stream's last seq (0: nothing logged yet). */
  head(): number {
    return (this.headSeq ??= this.s.db.select({ seq: sql<number | null>`max(${relayLog.seq})` }).from(relayLog).get()?.seq ?? 0);
  }

  /** Fanout's tap: every broadcast of a relayed room is logged, then pushed to every relay. */
  publish(text: string, exceptUser?: number) {
    if (this.relays === 0 || this.s.destroyed) return;
    const prev = this.head();
    const seq = this.s.db.insert(relayLog).values({ frame: text, exceptUser: exceptUser ?? null }).returning({ seq: relayLog.seq }).get().seq;
    this.headSeq = seq;
    if (++this.writes % 256 === 0) this.s.db.delete(relayLog).where(lte(relayLog.seq, seq - KEEP)).run();
    for (let i = 0; i < this.relays; i++) {
      // After a wake the room does not know what a relay has: it sends from here, and a relay
      // that is behind sees the hole in `prev` and asks for the range.
      if (!this.sent.has(i)) this.sent.set(i, prev);
      if (this.held.get(i) !== 0) this.pump(i);
    }
  }

  /** The entries after `after`, up to `upTo`; null when the oldest of them were trimmed. */
  range(after: number, upTo: number): Entry[] | null {
    const rows = this.s.db
      .select()
      .from(relayLog)
      .where(and(gt(relayLog.seq, after), lte(relayLog.seq, upTo)))
      .orderBy(relayLog.seq)
      .limit(PAGE)
      .all();
    if (after < upTo && rows[0]?.seq !== after + 1) return null;
    return rows.map((r) => ({ seq: r.seq, frame: r.frame, except: r.exceptUser }));
  }

  /** A relay admitted a socket at the stream's head: it holds one more, and pushes go to it from here. */
  admitted(index: number, held: number) {
    if (index >= this.relays) this.setRelays(index + 1);
    this.held.set(index, held + 1);
    if (!this.inFlight.has(index)) this.sent.set(index, this.head());
  }

  private pump(i: number) {
    if (this.inFlight.has(i)) return;
    let prev = this.sent.get(i) ?? this.head();
    let entries = this.range(prev, this.head());
    // Further behind than the log keeps: the newest entry alone, whose `prev` the relay cannot
    // fill, so it closes its sockets for their clients to resume (stream.ts).
    if (!entries) [prev, entries] = [this.head() - 1, this.range(this.head() - 1, this.head()) ?? []];
    if (!entries.length) return;
    const sentBefore = this.sent.get(i) ?? prev;
    this.inFlight.add(i);
    this.sent.set(i, entries[entries.length - 1].seq);
    this.stub(i)
      .push({ prev, entries })
      .then(
        (r: PushReply) => {
          this.inFlight.delete(i);
          this.heard(i, r);
          // What was broadcast while this call was out goes in the next one.
          if (this.held.get(i) !== 0) this.pump(i);
        },
        (err: unknown) => {
          // Sent again with the next broadcast (not at once: a failing relay is not hammered);
          // the relay drops what it already had.
          this.inFlight.delete(i);
          this.sent.set(i, sentBefore);
          this.s.logError("push to relay failed", err, { relay: i });
        },
      );
  }

  /**
   * A relay's report of its users (relay/presence.ts), kept in storage: they count in the room's
   * presence and online count (summary.ts). Returns whether the set changed.
   */
  reported(index: number, sockets: number, users: number[]): boolean {
    if (index >= this.relays) return false;
    this.held.set(index, sockets);
    const value = JSON.stringify(users);
    if (this.s.get(`relay_users:${index}`) === value) return false;
    if (users.length) this.s.set(`relay_users:${index}`, value);
    else this.s.del(`relay_users:${index}`);
    return true;
  }

  /** Users online on the relays, as they last reported. */
  users(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.relays; i++) out.push(...(JSON.parse(this.s.get(`relay_users:${i}`) ?? "[]") as number[]));
    return out;
  }

  private heard(i: number, r: PushReply) {
    this.held.set(i, r.sockets);
    // Every relay empty and the room under its threshold again: back to a room like any other.
    if (r.sockets === 0 && [...Array(this.relays).keys()].every((j) => this.held.get(j) === 0)) {
      for (let j = 0; j < this.relays; j++) this.s.del(`relay_users:${j}`);
      this.setRelays(0);
      this.held.clear();
      this.sent.clear();
    }
  }

  private stub(i: number) {
    return this.env.RELAY.get(this.env.RELAY.idFromName(relayName(this.s.roomId, i)));
  }

  private each<T>(call: (relay: ReturnType<RelayLink["stub"]>) => Promise<T>): Promise<T[]> {
    return Promise.all([...Array(this.relays).keys()].map((i) => call(this.stub(i))));
  }

  /** A kick reaches the user's sockets on every relay; returns how many closed there. */
  async kick(userId: number, kind: Exclude<ClosingKind, "room_deleted">, reason?: string): Promise<number> {
    return (await this.each((r) => r.kick(userId, kind, reason))).reduce((a, b) => a + b, 0);
  }

  async kickSession(userId: number, sessionId: string, reason: string): Promise<number> {
    return (await this.each((r) => r.kickSession(userId, sessionId, reason))).reduce((a, b) => a + b, 0);
  }

  /** The room was deleted: every relay closes its sockets and forgets its stream. */
  async destroy(): Promise<void> {
    await this.each((r) => r.destroy());
  }
}
