// The room's sockets as people: who is online (a user joins with their first socket and leaves
// with their last, not per tab), closing sockets from the server side (kicks, ended sessions,
// expired tokens, abuse, the room's deletion), and the presence frames that go with it.
import type { Fanout } from "./fanout";
import { closeBack, safeClose } from "../http/ws";
import { closingFrame, type ClosingKind } from "./protocol";
import { ref } from "./render";
import { attachment, type SocketInfo, type Sockets } from "./sockets";
import type { RoomStorage } from "./storage";
import type { Summary } from "./summary";
import type { Typing } from "./typing";

/** What a kick can say (a room's deletion closes every socket: closeAll). */
export type UserClosing = Exclude<ClosingKind, "room_deleted">;

/** A socket the server is closing: it no longer counts, whenever its close event comes. */
export function markLeft(ws: WebSocket) {
  const a = attachment(ws);
  if (a) ws.serializeAttachment({ ...a, left: true });
}

export class Connections {
  /** Sessions ended while this instance is awake (kickSession), against an upgrade racing the end. */
  readonly endedSessions = new Map<string, number>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly s: RoomStorage,
    private readonly sockets: Sockets,
    private readonly fanout: Fanout,
    private readonly typing: Typing,
    private readonly summary: Summary,
    /** A giant room (relay/link.ts): presence frames replace user_join and user_leave. */
    private readonly relayed: () => boolean = () => false,
  ) {}

  /**
   * Closes a user's sockets, each after a closing frame naming why: 4003 when they lost the room
   * (removed, left, banned, account deleted), 4001 when their tokens were revoked (session_ended).
   */
  kick(userId: number, kind: UserClosing, reason?: string): number {
    if (this.s.destroyed) return 0;
    // Remembered, so an upgrade the worker admitted just before the removal is refused here.
    this.s.set(`revoked:${userId}`, String(Date.now()));
    const gone = this.sockets.removeUser(userId);
    const sockets = this.ctx.getWebSockets(`u:${userId}`);
    for (const ws of sockets) {
      // Marked as gone so their close handlers do no second round of presence bookkeeping.
      markLeft(ws);
      this.sayClosing(ws, kind, reason);
    }
    if (gone) this.userLeft(gone.info);
    this.fanout.flush();
    return sockets.length;
  }

  /** When a kick for this user last reached the room (0: never). */
  revokedAt(userId: number): number {
    return Number(this.s.get(`revoked:${userId}`) ?? 0);
  }

  /** A session ended (logout, revoked, refresh reuse): close the user's sockets opened in it with 4001. */
  kickSession(userId: number, sessionId: string, reason: string): number {
    if (this.s.destroyed) return 0;
    // Remembered, so an upgrade of this session admitted just before is refused here.
    this.endedSessions.set(sessionId, Date.now());
    let closed = 0;
    for (const ws of this.ctx.getWebSockets(`u:${userId}`)) {
      const a = attachment(ws);
      if (!a || a.left || a.sid !== sessionId) continue;
      this.closeFor(ws, "session_ended", reason);
      closed++;
    }
    this.fanout.flush();
    return closed;
  }

  /** Closes the sockets whose token or session has expired (they stopped receiving at expiry: fanout.ts). */
  closeExpired(now = Date.now()) {
    for (const [ws, info] of [...this.sockets.entries()]) if (info.exp !== undefined && info.exp <= now) this.closeFor(ws, "session_ended", "token expired");
  }

  /** The room was deleted: every socket hears so and closes (4004), and is forgotten. */
  closeAll() {
    for (const ws of this.ctx.getWebSockets()) {
      markLeft(ws);
      this.sayClosing(ws, "room_deleted");
    }
    this.sockets.clear();
    this.fanout.clear();
  }

  /** Server-side close: the socket stops counting at once, not when the client answers. */
  close(ws: WebSocket, code: number, reason: string) {
    markLeft(ws);
    safeClose(ws, code, reason);
    this.gone(ws);
  }

  /** Server-side close a user should hear of: the closing frame, then its close code. */
  closeFor(ws: WebSocket, kind: ClosingKind, reason?: string) {
    markLeft(ws);
    this.sayClosing(ws, kind, reason);
    this.gone(ws);
  }

  /**
   * The closing frame (after what is queued for the room, rendered for the socket's shape), then
   * the close it names: a client acts on the frame at once, the close event may come seconds later.
   */
  private sayClosing(ws: WebSocket, kind: ClosingKind, reason?: string) {
    const frame = closingFrame(kind, reason);
    this.fanout.send(ws, frame);
    safeClose(ws, frame.code, frame.reason);
  }

  /** The client closed (webSocketClose), or the socket failed (webSocketError: no close to answer). */
  closed(ws: WebSocket, close?: { code: number; reason: string }) {
    if (close) closeBack(ws, close.code, close.reason);
    this.gone(ws);
  }

  /** A socket was accepted: a user's first one announces them (the others already know of them). */
  joined(ws: WebSocket, info: SocketInfo, wasOnline: boolean) {
    if (wasOnline) return;
    this.s.del(`left:${info.id}`);
    if (!this.relayed()) this.fanout.broadcast({ type: "user_join", user: ref(info) }, ws);
    this.summary.schedule();
  }

  private gone(ws: WebSocket) {
    const gone = this.sockets.remove(ws);
    if (!gone?.last) return;
    // Two tabs that closed while the object hibernated both wake it as unknown sockets: the user
    // leaves once, remembered in storage until their next first socket (see joined).
    if (gone.unindexed) {
      if (this.s.get(`left:${gone.info.id}`)) return;
      this.s.set(`left:${gone.info.id}`, "1");
    }
    this.userLeft(gone.info);
  }

  /** The user's last socket went away (or they were kicked): tell the others once, not per tab. */
  private userLeft(user: SocketInfo) {
    this.typing.stop(user.id);
    if (!this.relayed()) this.fanout.broadcast({ type: "user_leave", user: ref(user) });
    this.summary.schedule();
  }
}
