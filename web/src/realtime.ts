// The app's realtime adapter over the frontend kit's client (client/): its room connection does the
// reconnecting, the `since` resume, the gap fill, the outbox keyed by client_id and the ping/pong;
// this file adds what a browser page needs on top: the browser's offline/online events (shown as
// "offline", and a connection revived at once when the network is back instead of after its
// backoff), and the small interface the components use.
import type { RoomConnection as KitRoom, UserConnection as KitUser } from "../../client/src/index";
import { kit } from "./api";
import type { ChatMessage, Notification, Pin, Reaction, UserRef } from "./types";

export type ConnState = "connecting" | "open" | "reconnecting" | "offline" | "closed";

export type RoomFrame =
  | { type: "connection_established"; online: UserRef[]; last_message_id: number }
  | { type: "chat_message" | "message_updated" | "message_deleted"; message: ChatMessage }
  | { type: "typing"; user: UserRef; is_typing: boolean }
  | { type: "user_join" | "user_leave"; user: UserRef }
  | { type: "read"; user: UserRef; message_id: number }
  | { type: "reaction"; message_id: number; reactions: Reaction[]; user: UserRef; emoji: string; action: "add" | "remove" }
  | { type: "message_pinned"; pin: Pin }
  | { type: "message_unpinned"; message_id: number; user: UserRef }
  | { type: "gap"; from_id: number; to_id: number; kind: string }
  | { type: "error"; message: string; code: string; retry_after?: number };

/** Messages kept by id (the timeline, a thread pane) after a reaction frame: the message with its new tallies. */
export function withReaction(byId: Map<number, ChatMessage>, f: Extract<RoomFrame, { type: "reaction" }>) {
  const m = byId.get(f.message_id);
  return m ? new Map(byId).set(m.id, { ...m, reactions: f.reactions }) : byId;
}

/** `kind`: why, as the server's closing frame named it (removed, banned, room_deleted, ...). */
export type Closed = { code: number; reason: string; kind?: string };
const CLOSE_CODE = { removed: 4003, gone: 4004, unauthorized: 4001 } as const;
const ROOM_EVENTS = ["connection_established", "chat_message", "message_updated", "message_deleted", "typing", "user_join", "user_leave", "read", "reaction", "message_pinned", "message_unpinned", "gap", "error"] as const;

/**
 * Runs one kit connection at a time. While the browser is offline the state shows "offline"; when it
 * comes back and the connection is not open, the connection is replaced by a fresh one (the
 * kit's resume point and outbox carried over), rather than waiting out a long backoff.
 */
abstract class Revivable<C extends KitRoom | KitUser> {
  protected conn!: C;
  private kitState: ConnState = "connecting";
  private stopped = false;

  constructor(private onState: (s: ConnState) => void) {
    addEventListener("online", this.wake);
    addEventListener("offline", this.report);
  }

  protected abstract make(previous: C | null): C;

  protected start(previous: C | null) {
    const conn = this.make(previous);
    this.conn = conn;
    (conn as KitRoom).on("state", (s) => {
      if (this.conn !== conn) return;
      this.kitState = s;
      this.report();
    });
    this.kitState = conn.state;
    this.report();
  }

  private report = () => this.onState(this.stopped ? "closed" : !navigator.onLine && this.kitState !== "closed" ? "offline" : this.kitState);

  private wake = () => {
    if (this.stopped || this.conn.state === "open" || this.conn.state === "closed") return this.report();
    const old = this.conn;
    this.start(old);
    old.close();
  };

  get state() {
    return this.conn.state;
  }

  close() {
    this.stopped = true;
    removeEventListener("online", this.wake);
    removeEventListener("offline", this.report);
    this.conn.close();
    this.report();
  }
}

export type RoomHandlers = {
  frame: (f: RoomFrame) => void;
  state: (s: ConnState) => void;
  /** The room refused us for good (removed, deleted, signed out). */
  closed: (c: Closed) => void;
  /** A send was stored (its own chat_message came back), or refused for good. */
  settled: (client_id: string, error?: unknown) => void;
};

/** thread_id: a reply in that thread; also_to_room: shown in the room's timeline as well. */
export type Outgoing = { client_id: string; content_text: string; reply_to_id: number | null; thread_id?: number | null; also_to_room?: boolean };

/** A room's socket: every message once, in order, across reconnects; sends wait in the outbox. */
export class RoomConnection extends Revivable<KitRoom> {
  constructor(
    private roomId: number,
    private since: number,
    private on: RoomHandlers,
  ) {
    super(on.state);
    this.start(null);
  }

  protected make(previous: KitRoom | null) {
    const conn = kit.room(this.roomId, { since: previous?.cursor ?? this.since });
    for (const type of ROOM_EVENTS) conn.on(type, ((f: RoomFrame) => this.conn === conn && this.on.frame(f)) as never);
    conn.on("closed", (info) => {
      if (this.conn === conn && info.cause !== "closed") this.on.closed({ code: CLOSE_CODE[info.cause], reason: info.reason, kind: info.kind });
    });
    // The outbox moves over with the same client_ids: the server stores each one once.
    for (const p of previous?.pending() ?? []) {
      const { type: _t, ...frame } = p.frame as Record<string, unknown>;
      this.track(conn, frame as Parameters<KitRoom["send"]>[0]);
    }
    return conn;
  }

  private track(conn: KitRoom, input: Parameters<KitRoom["send"]>[0]) {
    conn.send(input).then(
      () => this.on.settled(input.client_id!),
      // A replaced connection rejects its outbox; its messages already live on in the new one.
      (e) => this.conn === conn && this.on.settled(input.client_id!, e),
    );
  }

  /** Queues a message; it goes out now if the socket is open, else on the next connect. */
  send(msg: Outgoing) {
    this.track(this.conn, { message_type: "text", ...msg });
  }
  typing(is_typing: boolean) {
    this.conn.typing(is_typing);
  }
  read(message_id: number) {
    this.conn.read(message_id);
  }
  react(message_id: number, emoji: string, action: "add" | "remove") {
    this.conn.react(message_id, emoji, action);
  }
}

/** The user's own socket: every notification once, resumed from the last one seen, and new messages of every conversation (live). */
export class UserConnection extends Revivable<KitUser> {
  private opened = false;

  constructor(
    private on: { notification: (n: Notification) => void; message: (roomId: number) => void; state: (s: ConnState) => void; reconnected: () => void; closed: (c: Closed) => void },
  ) {
    super(on.state);
    this.start(null);
  }

  protected make(previous: KitUser | null) {
    const conn = kit.user(previous?.cursor != null ? { since: previous.cursor } : {});
    conn.on("notification", (f) => this.conn === conn && this.on.notification(f.notification as Notification));
    conn.on("message", (f) => this.conn === conn && this.on.message(f.conversation_id));
    conn.on("connection_established", () => {
      if (this.opened) this.on.reconnected();
      this.opened = true;
    });
    conn.on("closed", (info) => {
      if (this.conn === conn && info.cause !== "closed") this.on.closed({ code: CLOSE_CODE[info.cause], reason: info.reason, kind: info.kind });
    });
    return conn;
  }
}
