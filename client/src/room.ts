// A room's socket, kept whole: every message exactly once and in id order across reconnects
// (resume with ?since=, duplicates dropped, a "truncated" gap filled over REST), and an outbox that
// keeps each message's client_id and resends until the server acknowledges it, so a send made
// offline or lost mid-air is stored exactly once.
import { RoomClientFrames, ServerFrame } from "../../src/room/protocol";
import { Connection, type BaseEvents, type ConnectionOptions } from "./connection";
import { ok, type AuthHooks, type Rest } from "./rest";
import type { ChatMessage, CloseInfo, FrameEvents, MessageInput, RoomFrame } from "./types";

export type RoomEvents = FrameEvents<RoomFrame> & BaseEvents;

export type RoomOptions = ConnectionOptions & {
  /**
   * Resume after this message id (the last one you have, e.g. from your own storage): everything
   * later arrives first, in order. Default: start live from the room's newest message.
   */
  since?: number;
  /** Ask for batch frames (default true); they are unwrapped, you see single frames either way. */
  batch?: boolean;
};

/** A message in the outbox until the server stores it. */
export type Pending = { client_id: string; frame: Record<string, unknown>; sent: number };

/** Thrown to senders waiting on a connection that stopped for good. */
export class ConnectionClosedError extends Error {
  constructor(readonly info: CloseInfo) {
    super(`the room connection closed for good (${info.cause}: ${info.code} ${info.reason})`);
    this.name = "ConnectionClosedError";
  }
}

const KNOWN = new Set(ServerFrame.options.map((o) => o.shape.type.value));
const PAGE = 100;

export class RoomConnection extends Connection<RoomFrame, RoomEvents> {
  /** The newest message id delivered to you (or the `since` you gave): the resume point. */
  cursor: number | null;
  /** Your user id, from connection_established. */
  me: number | null = null;
  private readonly outbox = new Map<string, Pending & { resolve: (m: ChatMessage) => void; reject: (e: unknown) => void; promise: Promise<ChatMessage> }>();
  private resuming = false;
  private holdUntil = 0;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly roomId: number,
    wsBase: string,
    auth: AuthHooks,
    private readonly rest: Rest,
    private readonly roomOpts: RoomOptions = {},
  ) {
    super(wsBase, auth, ServerFrame, KNOWN, roomOpts);
    this.cursor = roomOpts.since ?? null;
  }

  /**
   * Sends a message; resolves with it once stored (the server's chat_message with its client_id).
   * Offline, it waits in the outbox and goes out on reconnect, with the same client_id, until
   * acknowledged: it is stored exactly once. Invalid input is refused here, before the outbox.
   */
  send(input: MessageInput): Promise<ChatMessage> {
    const client_id = input.client_id ?? randomId();
    const existing = this.outbox.get(client_id);
    if (existing) return existing.promise;
    const parsed = RoomClientFrames.chat_message.safeParse({ ...input, type: "chat_message", client_id });
    if (!parsed.success) return Promise.reject(new TypeError(`invalid message: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`));
    if (this.state === "closed") return Promise.reject(new Error("the room connection is closed"));
    let resolve!: (m: ChatMessage) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<ChatMessage>((res, rej) => ((resolve = res), (reject = rej)));
    const frame = { ...input, type: "chat_message", client_id };
    const entry = { client_id, frame, sent: 0, resolve, reject, promise };
    this.outbox.set(client_id, entry);
    if (!this.resuming && Date.now() >= this.holdUntil && this.sendFrame(frame)) entry.sent++;
    return promise;
  }

  /** Messages waiting for the server's acknowledgement, oldest first. */
  pending(): Pending[] {
    return [...this.outbox.values()].map(({ client_id, frame, sent }) => ({ client_id, frame, sent }));
  }

  /** Typing, reads and reactions are momentary: sent if connected, else dropped (false). */
  typing(is_typing: boolean) {
    return this.sendFrame({ type: "typing", is_typing });
  }
  read(message_id?: number) {
    return this.sendFrame({ type: "read", ...(message_id !== undefined && { message_id }) });
  }
  react(message_id: number, emoji: string, action: "add" | "remove" = "add") {
    return this.sendFrame({ type: "reaction", message_id, emoji, action });
  }

  protected target() {
    return { kind: "room" as const, roomId: this.roomId };
  }

  protected address() {
    const q = new URLSearchParams();
    if (this.cursor !== null) q.set("since", String(this.cursor));
    if (this.roomOpts.batch ?? true) q.set("batch", "1");
    this.resuming = this.cursor !== null;
    return `/api/v1/chat-rooms/${this.roomId}/ws?${q}`;
  }

  protected async probe() {
    const r = await this.rest.GET("/api/v1/chat-rooms/{room_id}", { params: { path: { room_id: this.roomId } } });
    if (r.response.status === 401) return "unauthorized" as const;
    // 403: not a member (any more); 404: no such room.
    if (r.response.status === 403 || r.response.status === 404) return "gone" as const;
    return "ok" as const;
  }

  protected onStopped(info: CloseInfo) {
    clearTimeout(this.holdTimer);
    const error = new ConnectionClosedError(info);
    for (const e of this.outbox.values()) e.reject(error);
    this.outbox.clear();
  }

  protected async handle(frame: Exclude<RoomFrame, { type: "closing" }>) {
    switch (frame.type) {
      case "connection_established":
        this.me = frame.user.id;
        if (this.cursor === null) this.cursor = frame.last_message_id;
        this.markOpen();
        this.emit("connection_established", frame);
        if (!this.resuming) this.flushOutbox();
        return;
      case "replay_done":
        this.resuming = false;
        this.emit("replay_done", frame);
        this.flushOutbox();
        return;
      case "chat_message":
        return this.deliver(frame.message);
      case "gap":
        if (frame.kind === "truncated" && (await this.fill(frame.from_id, frame.to_id))) return;
        // Gone for good (pruned), or the fill failed: tell the caller, and do not wait for those ids.
        if (this.cursor === null || this.cursor < frame.to_id) this.cursor = frame.to_id;
        this.emit("gap", frame);
        return;
      case "error":
        if (frame.code === "rate_limited") this.hold((frame.retry_after ?? 1) * 1000);
        this.emit("error", frame);
        return;
      default:
        this.emit(frame.type, frame as never);
    }
  }

  /** One message, at most once, in id order; it acknowledges your own send. */
  private deliver(message: ChatMessage) {
    if (message.sender_id === this.me && message.client_id) {
      const waiting = this.outbox.get(message.client_id);
      if (waiting) {
        this.outbox.delete(message.client_id);
        waiting.resolve(message);
      }
    }
    if (this.cursor !== null && message.id <= this.cursor) return;
    this.cursor = message.id;
    this.emit("chat_message", { type: "chat_message", message });
  }

  /** Fetches ids from..to over REST and delivers them in order; false if that failed. */
  private async fill(from: number, to: number): Promise<boolean> {
    let after = Math.max(from - 1, this.cursor ?? 0);
    try {
      while (after < to) {
        const page = ok(
          await this.rest.GET("/api/v1/chat-rooms/{room_id}/messages", {
            params: { path: { room_id: this.roomId }, query: { after, limit: PAGE } },
          }),
        );
        const wanted = page.filter((m) => m.id <= to);
        for (const m of wanted) this.deliver(m);
        if (page.length < PAGE || wanted.length < page.length || !page.length) break;
        after = page[page.length - 1].id;
      }
      return true;
    } catch (e) {
      this.warn({ kind: "gap_fill_failed", detail: `could not fetch messages ${from}..${to}: ${e}`, data: e });
      return false;
    }
  }

  /** Rate limited: resend nothing until the server's retry_after has passed, then everything unacknowledged. */
  private hold(ms: number) {
    this.holdUntil = Date.now() + ms;
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.flushOutbox(), ms);
  }

  private flushOutbox() {
    if (Date.now() < this.holdUntil) return;
    for (const e of this.outbox.values()) {
      if (!this.sendFrame(e.frame)) return;
      e.sent++;
    }
  }
}

function randomId() {
  return crypto.randomUUID();
}
