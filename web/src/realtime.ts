// The app's realtime adapter: a room connection (live frames, resume with `since`, an outbox of
// unacknowledged sends keyed by client_id) and the user's own notification socket, behind one
// small interface with a visible connection state. Stopgap until the frontend kit's client
// (client/) lands: the components use only this interface, so swapping the implementation for
// the kit's connection touches this file alone.
import { socketUrl } from "./api";
import type { ChatMessage, Notification, Reaction, UserRef } from "./types";

export type ConnState = "connecting" | "open" | "reconnecting" | "offline" | "closed";

export type RoomFrame =
  | { type: "connection_established"; online: UserRef[]; last_message_id: number }
  | { type: "chat_message" | "message_updated" | "message_deleted"; message: ChatMessage }
  | { type: "typing"; user: UserRef; is_typing: boolean }
  | { type: "user_join" | "user_leave"; user: UserRef }
  | { type: "read"; user: UserRef; message_id: number }
  | { type: "reaction"; message_id: number; reactions: Reaction[]; user: UserRef; emoji: string; action: "add" | "remove" }
  | { type: "gap"; from_id: number; to_id: number; kind: string }
  | { type: "replay_done" }
  | { type: "error"; message: string; code: string; retry_after?: number }
  | { type: "pong" };

type Closed = { code: number; reason: string };

/**
 * One socket that comes back: exponential backoff with jitter, closed while the browser says it is
 * offline, reopened when it comes back, a ping every 25 s and a reconnect when no frame answered it.
 */
class Reconnecting {
  state: ConnState = "connecting";
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: number | undefined;
  private pingTimer: number | undefined;
  private heard = true;
  private stopped = false;

  constructor(
    private url: () => string,
    private onFrame: (frame: any) => void,
    private onState: (s: ConnState) => void,
    private onOpen: () => void,
    private onFatal: (c: Closed) => void,
  ) {
    addEventListener("online", this.wake);
    addEventListener("offline", this.sleep);
    if (navigator.onLine) this.open();
    else this.set("offline");
  }

  private set(s: ConnState) {
    if (this.state === s) return;
    this.state = s;
    this.onState(s);
  }

  private open() {
    clearTimeout(this.retryTimer);
    this.set(this.attempt === 0 ? "connecting" : "reconnecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onmessage = (e) => {
      this.heard = true;
      let frame: any;
      try {
        frame = JSON.parse(String(e.data));
      } catch {
        return;
      }
      const frames = frame?.type === "batch" && Array.isArray(frame.frames) ? frame.frames : [frame];
      for (const f of frames) {
        if (f?.type === "connection_established") {
          this.attempt = 0;
          this.set("open");
          this.onFrame(f);
          this.onOpen();
        } else if (f && typeof f.type === "string") this.onFrame(f);
      }
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pingTimer);
      // 4003: removed from the room or the account is gone; 4004: the room was deleted; 4001: signed out.
      if (e.code === 4001 || e.code === 4003 || e.code === 4004) {
        this.stopped = true;
        this.set("closed");
        this.onFatal({ code: e.code, reason: e.reason });
        return;
      }
      this.retry();
    };
    clearInterval(this.pingTimer);
    this.heard = true;
    this.pingTimer = window.setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!this.heard) return ws.close(4000, "no pong");
      this.heard = false;
      ws.send('{"type":"ping"}');
    }, 25_000);
  }

  private retry() {
    if (this.stopped) return;
    if (!navigator.onLine) return this.set("offline");
    this.set("reconnecting");
    const delay = Math.min(30_000, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt++;
    this.retryTimer = window.setTimeout(() => this.open(), delay);
  }

  private wake = () => {
    if (this.stopped || this.ws) return;
    this.attempt = Math.max(this.attempt, 1);
    this.open();
  };

  private sleep = () => {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = null;
    clearInterval(this.pingTimer);
    ws?.close(1000, "offline");
    this.set("offline");
  };

  send(frame: unknown) {
    if (this.ws?.readyState !== WebSocket.OPEN || this.state !== "open") return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  close() {
    this.stopped = true;
    removeEventListener("online", this.wake);
    removeEventListener("offline", this.sleep);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    this.ws?.close(1000, "bye");
    this.ws = null;
    this.set("closed");
  }
}

export type Outgoing = { client_id: string; content_text: string; reply_to_id: number | null };

export type RoomHandlers = {
  frame: (f: RoomFrame) => void;
  state: (s: ConnState) => void;
  /** The room refused us for good (removed, deleted, signed out). */
  closed: (c: Closed) => void;
};

/**
 * A room's socket. `lastSeen` is read on every (re)connect, so the server replays exactly what this
 * tab has not seen; sends wait in the outbox until their own chat_message comes back.
 */
export class RoomConnection {
  private outbox = new Map<string, Outgoing>();
  private conn: Reconnecting;
  private retryTimer: number | undefined;

  constructor(
    roomId: number,
    lastSeen: () => number,
    private on: RoomHandlers,
  ) {
    this.conn = new Reconnecting(
      () => socketUrl(`/chat-rooms/${roomId}/ws`, { since: lastSeen(), batch: 1 }),
      (f: RoomFrame) => {
        if (f.type === "chat_message" && f.message.client_id) this.outbox.delete(f.message.client_id);
        if (f.type === "error" && f.code === "rate_limited") {
          clearTimeout(this.retryTimer);
          this.retryTimer = window.setTimeout(() => this.flush(), (f.retry_after ?? 1) * 1000);
        }
        on.frame(f);
      },
      on.state,
      () => this.flush(),
      on.closed,
    );
  }

  get state() {
    return this.conn.state;
  }

  /** Queues a message; it goes out now if the socket is open, else on the next connect. */
  send(msg: Outgoing) {
    this.outbox.set(msg.client_id, msg);
    this.conn.send({ type: "chat_message", message_type: "text", ...msg });
  }

  private flush() {
    for (const msg of this.outbox.values()) this.conn.send({ type: "chat_message", message_type: "text", ...msg });
  }

  typing(is_typing: boolean) {
    this.conn.send({ type: "typing", is_typing });
  }
  read(message_id: number) {
    this.conn.send({ type: "read", message_id });
  }
  react(message_id: number, emoji: string, action: "add" | "remove") {
    this.conn.send({ type: "reaction", message_id, emoji, action });
  }
  close() {
    clearTimeout(this.retryTimer);
    this.conn.close();
  }
}

/** The user's own socket: every notification once, resumed from the last one seen. */
export class UserConnection {
  private lastId = 0;
  private conn: Reconnecting;

  constructor(on: { notification: (n: Notification) => void; state: (s: ConnState) => void; reconnected: () => void; closed: (c: Closed) => void }) {
    let opened = false;
    this.conn = new Reconnecting(
      () => socketUrl("/realtime/ws", { since: this.lastId || undefined }),
      (f: any) => {
        if (f.type === "connection_established" && !this.lastId) this.lastId = f.last_notification_id ?? 0;
        if (f.type === "notification") {
          this.lastId = Math.max(this.lastId, f.notification.id);
          on.notification(f.notification);
        }
      },
      on.state,
      () => {
        if (opened) on.reconnected();
        opened = true;
      },
      on.closed,
    );
  }

  close() {
    this.conn.close();
  }
}
