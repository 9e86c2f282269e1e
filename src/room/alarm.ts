// The room's one alarm, shared by its jobs: expired sockets close, typing indicators expire, the
// summary goes to D1 when due (with count-based retention), time-based retention and the search
// index take one bounded step each. The alarm is set for the earliest thing any job needs.
import type { Connections } from "./connection";
import type { Retention } from "./retention";
import type { SearchIndex } from "./search-index";
import type { RoomStorage } from "./storage";
import type { Summary } from "./summary";
import type { Typing } from "./typing";

export type Jobs = { connections: Connections; typing: Typing; summary: Summary; retention: Retention; index: SearchIndex };

export class Alarm {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly s: RoomStorage,
    private readonly jobs: () => Jobs,
  ) {}

  async run(): Promise<void> {
    try {
      await this.onAlarm();
    } catch (err) {
      this.s.logError("alarm failed", err);
      throw err; // the runtime retries a failed alarm
    }
  }

  private async onAlarm(): Promise<void> {
    if (this.s.destroyed) return;
    const { connections, typing, summary, retention, index } = this.jobs();
    const now = Date.now();
    connections.closeExpired(now);
    typing.expire(now);
    // The summary goes out when it is due, not with whatever else woke us first (a typing expiry,
    // an index step): that keeps a room to one D1 summary write a second however busy it is.
    if (summary.due() <= now) {
      retention.pruneToCount();
      await summary.flush();
    }
    // Time-based retention and the index, after the summary (a big first prune or a long backlog
    // never holds it up), in bounded steps.
    retention.step(now);
    index.step();
    this.reschedule();
  }

  reschedule() {
    const { typing, summary, retention, index } = this.jobs();
    const next = Math.min(summary.due(), index.due(), typing.due(), retention.due());
    if (next === Infinity) return;
    // `next` is the earliest thing any job needs, so replacing the schedule never delays one.
    // A due time already past (a test's flushRoom marks the summary due at 0) fires now.
    void this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }
}
