// A relay's side of the room's stream: where it stands (`last`, in storage, so it survives
// hibernation and restarts), the pushes it forwards to its sockets, and the ranges it asks for when
// it sees a hole. Everything that touches the stream or the sockets' place in it runs one at a time
// (serial), so an admission, a push, a catch-up and a kick never interleave across their awaits.
import { roomStub } from "../client";
import type { Fanout } from "../fanout";
import type { Sockets } from "../sockets";
import type { Entry, Push, PushReply } from "./wire";

export class Stream {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly roomId: number,
    private readonly sockets: Sockets,
    private readonly fanout: Fanout,
    /** The room no longer holds what the sockets missed: they are closed, to resume with ?since=. */
    private readonly onLost: () => void,
  ) {}

  get room() {
    return roomStub(this.env, this.roomId);
  }

  /** The last seq this relay forwarded (undefined: it never took a socket). */
  get last(): number | undefined {
    return this.ctx.storage.kv.get<number>("last");
  }

  private set last(seq: number) {
    this.ctx.storage.kv.put("last", seq);
  }

  /** Runs `fn` after everything queued before it; a failure does not stop what comes next. */
  serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  push(p: Push): Promise<PushReply> {
    return this.serial(async () => {
      const last = this.last;
      // Nobody to forward to (or never admitted one): only the position moves.
      if (last === undefined || this.sockets.size === 0) this.last = p.entries[p.entries.length - 1]?.seq ?? p.prev;
      else {
        // A hole, or a restart that lost pushes: the missing range first, then this one.
        if (p.prev > last) await this.catchUp(p.prev);
        this.forward(p.entries);
      }
      return { sockets: this.sockets.size, last: this.last ?? 0 };
    });
  }

  /** Brings the sockets up to `seq` (inside serial). Without sockets there is nothing to bring. */
  async catchUp(seq: number) {
    const last = this.last;
    if (last === undefined || this.sockets.size === 0) {
      this.last = Math.max(seq, last ?? 0);
      return;
    }
    for (let from = last; from < seq; ) {
      const entries = await this.room.relayRange(from, seq);
      if (!entries?.length) return this.lost(seq);
      this.forward(entries);
      from = entries[entries.length - 1].seq;
    }
  }

  /** Forwards entries after `last`, in order, and moves `last` (stored before the frames leave). */
  private forward(entries: Entry[]) {
    let last = this.last ?? 0;
    for (const e of entries) {
      if (e.seq <= last) continue;
      last = e.seq;
      this.fanout.broadcast(JSON.parse(e.frame), e.except ?? undefined);
    }
    this.last = last;
  }

  private lost(seq: number) {
    this.onLost();
    this.last = seq;
  }
}
