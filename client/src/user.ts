// The user's own socket (/realtime/ws): every notification exactly once, in id order, across
// reconnects (resume with ?since=, duplicates dropped, a truncated gap filled over REST).
import { UserServerFrame } from "../../src/realtime/protocol";
import { Connection, type BaseEvents, type ConnectionOptions } from "./connection";
import { ok, type AuthHooks, type Rest } from "./rest";
import type { FrameEvents, Notification, UserFrame } from "./types";

export type UserEvents = FrameEvents<UserFrame> & BaseEvents;
export type UserOptions = ConnectionOptions & {
  /** Resume after this notification id. Default: start live. */
  since?: number;
};

const KNOWN = new Set(UserServerFrame.options.map((o) => o.shape.type.value));

export class UserConnection extends Connection<UserFrame, UserEvents> {
  /** The newest notification id delivered to you: the resume point. */
  cursor: number | null;

  constructor(
    wsBase: string,
    auth: AuthHooks,
    private readonly rest: Rest,
    opts: UserOptions = {},
  ) {
    super(wsBase, auth, UserServerFrame, KNOWN, opts);
    this.cursor = opts.since ?? null;
  }

  protected target() {
    return { kind: "user" as const };
  }

  protected address() {
    return `/api/v1/realtime/ws${this.cursor !== null ? `?since=${this.cursor}` : ""}`;
  }

  protected async probe() {
    const r = await this.rest.GET("/api/v1/users/me");
    if (r.response.status === 401) return "unauthorized" as const;
    if (r.response.status === 404) return "gone" as const;
    return "ok" as const;
  }

  protected async handle(frame: Exclude<UserFrame, { type: "closing" }>) {
    switch (frame.type) {
      case "connection_established":
        if (this.cursor === null) this.cursor = frame.last_notification_id;
        this.markOpen();
        this.emit("connection_established", frame);
        return;
      case "notification":
        return this.deliver(frame.notification);
      case "gap":
        if (await this.fill(frame.from_id, frame.to_id)) return;
        if (this.cursor === null || this.cursor < frame.to_id) this.cursor = frame.to_id;
        this.emit("gap", frame);
        return;
      default:
        this.emit(frame.type, frame as never);
    }
  }

  private deliver(notification: Notification) {
    if (this.cursor !== null && notification.id <= this.cursor) return;
    this.cursor = notification.id;
    this.emit("notification", { type: "notification", notification });
  }

  /** Notifications from..to, read newest first page by page, delivered oldest first. */
  private async fill(from: number, to: number): Promise<boolean> {
    const got: Notification[] = [];
    let before = to + 1;
    try {
      for (;;) {
        const page = ok(await this.rest.GET("/api/v1/notifications", { params: { query: { before, limit: 100 } } })) as Notification[];
        got.push(...page.filter((n) => n.id >= from && n.id <= to));
        if (page.length < 100 || page[page.length - 1].id <= from) break;
        before = page[page.length - 1].id;
      }
      for (const n of got.sort((a, b) => a.id - b.id)) this.deliver(n);
      return true;
    } catch (e) {
      this.warn({ kind: "gap_fill_failed", detail: `could not fetch notifications ${from}..${to}: ${e}`, data: e });
      return false;
    }
  }
}
