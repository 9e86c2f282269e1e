// A relay's presence report: which users it holds sockets for, sent to the room at most once a
// second, from the relay's alarm (which hibernates; no timer keeps the relay awake). The room
// counts them in its presence and online count (relay/link.ts, summary.ts).
import type { Sockets } from "../sockets";
import type { Stream } from "./stream";

const REPORT_DELAY_MS = 1_000;

export class Presence {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly index: number,
    private readonly sockets: Sockets,
    private readonly stream: Stream,
  ) {}

  /** Someone came or went: a report goes out within a second (one alarm for any number of changes). */
  async changed() {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + REPORT_DELAY_MS);
  }

  /** The alarm: the users now, to the room. */
  async report() {
    const users = this.sockets.users().map((u) => u.id);
    await this.stream.room.relayPresence(this.index, this.sockets.size, users);
  }
}
