// What a socket sends: each frame parsed (a reference document's frame read as the canonical one
// it means) and handled, or refused with an error frame. Refusals count towards an abuse close
// (1008), so no client keeps the room busy answering junk.
import type { Connections } from "./connection";
import type { Fanout } from "./fanout";
import type { MessageLog } from "./message-log";
import { ClientFrame, MAX_FRAME_BYTES, refuse, withAliases, type Actor, type Refusal, type ServerFrame } from "./protocol";
import { RateLimiter } from "./rate-limit";
import { reactionFrame, type Reactions } from "./reactions";
import { type ReadPosition } from "./reads";
import { shapeOf } from "./shapes";
import { attachment, type SocketInfo } from "./sockets";
import type { RoomStorage } from "./storage";
import type { Typing } from "./typing";

/** Refused frames a socket may send within ABUSE_WINDOW_MS before it is closed with 1008. */
const ABUSE_LIMIT = 20;
const ABUSE_WINDOW_MS = 10_000;
/** Read frames per user, apart from messages: each is a D1 write, but must not cost a message. */
const READS_PER_SECOND = 10;
const READS_BURST = 30;

/** Sockets on relays whose refusals are counted at once (in memory, like the room's own). */
const REMOTE_ABUSE_KEYS = 10_000;

/**
 * Who sent a frame, and how to answer them: one of the room's own sockets, or a socket a relay
 * holds (whose answers go back to the relay). `key` counts refusals per socket.
 */
export type Peer = {
  key: WebSocket | string;
  me: SocketInfo | null;
  send: (frame: ServerFrame) => void;
  close: (code: number, reason: string) => void;
  /** Its token or session has expired. */
  expired: () => void;
};

export type FrameDeps = {
  s: RoomStorage;
  fanout: Fanout;
  connections: Connections;
  log: MessageLog;
  reactions: Reactions;
  typing: Typing;
  markRead: (actor: Actor, upTo?: number) => Promise<ReadPosition | Refusal>;
  /** The message limiter: a socket closed for abuse cools its user down. */
  limiter: RateLimiter;
};

export class Frames {
  private readonly readLimiter = new RateLimiter(READS_PER_SECOND, READS_BURST);
  /** Refused frames per socket in the current window; in memory, so counting restarts after hibernation. */
  private abuse = new WeakMap<WebSocket, { n: number; since: number }>();
  private remoteAbuse = new Map<string, { n: number; since: number }>();

  constructor(private readonly d: FrameDeps) {}

  /** A frame from one of the room's own sockets. */
  handle(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const { fanout, connections } = this.d;
    return this.handlePeer(
      { key: ws, me: attachment(ws), send: (f) => fanout.send(ws, f), close: (code, reason) => connections.close(ws, code, reason), expired: () => connections.closeExpired() },
      data,
    );
  }

  /** A frame from a socket: the room's own, or one a relay holds (relay/link.ts). */
  async handlePeer(peer: Peer, data: string | ArrayBuffer): Promise<void> {
    try {
      await this.onFrame(peer, data);
    } catch (err) {
      // The sender hears that it failed; the socket and the room carry on.
      this.d.s.logError("websocket frame failed", err, { user_id: peer.me?.id ?? null });
      peer.send({ type: "error", code: "internal_error", message: "The frame could not be handled; try again" });
    }
  }

  private async onFrame(peer: Peer, data: string | ArrayBuffer): Promise<void> {
    const me = peer.me;
    if (!me || me.left) return;
    // Its token or session has expired: the socket goes, with the others that have.
    if (me.exp !== undefined && me.exp <= Date.now()) return peer.expired();
    const size = typeof data === "string" ? new TextEncoder().encode(data).byteLength : data.byteLength;
    if (size > MAX_FRAME_BYTES) return peer.close(1009, "frame too large");
    if (typeof data !== "string") return this.refused(peer, refuse(400, "binary_not_supported", "Frames must be JSON text"));

    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.refused(peer, refuse(400, "invalid_json", "Frame is not valid JSON"));
    }
    // A reference document's frame is read as the canonical one it means.
    if (me.shape) {
      const read = shapeOf(me.shape).read(json, this.d.s.roomId);
      if ("ignore" in read) return;
      if ("error" in read) return this.refused(peer, refuse(400, read.code, read.error));
      json = read.frame;
    }
    const parsed = ClientFrame.safeParse(withAliases(json));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      return this.refused(peer, refuse(400, "invalid_frame", `${where}${issue?.message ?? "invalid frame"}`));
    }
    const frame = parsed.data;
    const actor: Actor = { id: me.id, username: me.username, display_name: me.display_name };
    switch (frame.type) {
      case "ping":
        return peer.send({ type: "pong" });
      case "typing":
        return this.d.typing.set(actor, frame.is_typing);
      case "read": {
        // Each read frame is a D1 write, limited on its own: reads never cost a message, and an
        // over-eager client (one read per message received) is told to slow down, not closed.
        const wait = this.readLimiter.take(actor.id);
        if (wait) return peer.send({ type: "error", code: "rate_limited", message: `Too many read frames; send the latest id, retry in ${wait}s`, retry_after: wait });
        // D1 can fail here: the client hears so (and may send the frame again); the socket stays open.
        const result = await this.d.markRead(actor, frame.message_id).catch((err: unknown) => {
          this.d.s.logError("read frame: the read position was not recorded", err, { user_id: actor.id });
          return { ok: false as const, code: "unavailable", detail: "The read position could not be recorded; send the frame again" };
        });
        if (!result.ok) peer.send({ type: "error", code: result.code, message: result.detail });
        return;
      }
      case "chat_message": {
        if (frame.file_id || frame.media_url || (frame.message_type !== "text" && frame.message_type !== "location"))
          return this.refused(peer, refuse(400, "use_rest", "Send media messages with POST /chat-rooms/{id}/messages"));
        const result = this.d.log.store(actor, frame, !!me.mm);
        if (!result.ok) return this.refused(peer, result);
        // A retried client_id: the sender gets its original message again, nobody else hears of it.
        if (result.duplicate) peer.send({ type: "chat_message", message: result.message });
        return;
      }
      case "reaction": {
        const add = frame.action === "add";
        const result = this.d.reactions.react(actor, frame.message_id, frame.emoji, add, me.cleared);
        if (!result.ok) return this.refused(peer, result);
        // Nothing changed (a retry): only the asker hears how things stand.
        if (!result.changed) peer.send(reactionFrame(result.message, frame.emoji, actor, add));
        return;
      }
      default: {
        const never: never = frame;
        return never;
      }
    }
  }

  /**
   * A refused frame (not JSON, binary, unknown or malformed, refused by the room's rules or its
   * rate limit): an error frame, and it counts towards the abuse close. Frames over
   * MAX_FRAME_BYTES close at once (1009); read frames over their own budget are only told to slow
   * down (a client acknowledging every message of a busy room is not abusive).
   */
  private refused(peer: Peer, r: Refusal) {
    peer.send({ type: "error", code: r.code, message: r.detail, ...(r.retry_after && { retry_after: r.retry_after }) });
    const now = Date.now();
    const prior = this.abuseOf(peer.key);
    const n = prior && now - prior.since < ABUSE_WINDOW_MS ? prior.n + 1 : 1;
    this.setAbuse(peer.key, { n, since: n === 1 ? now : prior!.since });
    if (n < ABUSE_LIMIT) return;
    if (peer.me) this.d.limiter.penalize(peer.me.id);
    peer.close(1008, "too many refused frames");
  }

  private abuseOf(key: Peer["key"]) {
    return typeof key === "string" ? this.remoteAbuse.get(key) : this.abuse.get(key);
  }

  private setAbuse(key: Peer["key"], v: { n: number; since: number }) {
    if (typeof key !== "string") return void this.abuse.set(key, v);
    // Relays' sockets are known by key, not by object: the map is bounded (counting restarts, as after hibernation).
    if (this.remoteAbuse.size >= REMOTE_ABUSE_KEYS) this.remoteAbuse.clear();
    this.remoteAbuse.set(key, v);
  }
}
