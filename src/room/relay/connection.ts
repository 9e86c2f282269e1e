// A relay's sockets: admitting one (the room checks and greets, the relay accepts at the stream
// position the greeting is consistent with), passing its frames to the room and its answers back,
// and closing sockets when the room says (kicks, ended sessions, the room's deletion). Presence
// stays with the room's own sockets in this version: relay sockets announce no join or leave.
import { closeBack, safeClose } from "../../http/ws";
import { ADMISSION_HEADER, socketInfo, type Admission } from "../admission";
import { markLeft, type UserClosing } from "../connection";
import type { Fanout } from "../fanout";
import { closingFrame, type ClosingKind } from "../protocol";
import { attachment, type Sockets } from "../sockets";
import type { Stream } from "./stream";

/** Close code of a socket this relay could not make whole: the client resumes with ?since=. */
const RESUME_CLOSE = 1012;

export class RelayConnections {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly index: number,
    private readonly sockets: Sockets,
    private readonly fanout: Fanout,
    private readonly stream: Stream,
    /** Someone came or went (presence.ts reports it to the room). */
    private readonly changed: () => Promise<void>,
  ) {}

  /** An upgrade the worker placed here (the room refused to hold it itself: placement.ts). */
  async admit(request: Request): Promise<Response> {
    const raw = request.headers.get(ADMISSION_HEADER);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !raw) return new Response("WebSocket upgrades only", { status: 426 });
    const admission = JSON.parse(raw) as Admission;
    return this.stream.serial(async () => {
      const r = await this.stream.room.relayAdmit(this.index, admission, this.sockets.size);
      if (!r.ok) return Response.json(r.body, { status: r.status });
      // The greeting and replay stand at r.seq: the other sockets are brought there first, and the
      // new one is live from there, so it hears of no message twice and misses none.
      await this.stream.catchUp(r.seq);
      this.fanout.flush();
      const [client, server] = Object.values(new WebSocketPair());
      this.ctx.acceptWebSocket(server, [`u:${admission.user.id}`]);
      const info = { ...socketInfo(admission), key: crypto.randomUUID() };
      server.serializeAttachment(info);
      this.sockets.add(server, info);
      this.fanout.send(server, r.greeting);
      if (r.replay) this.fanout.sendAll(server, r.replay, admission.batch);
      await this.changed();
      return new Response(null, { status: 101, webSocket: client });
    });
  }

  /** A frame from a socket: the room handles it; its answers come after what the room sent before them. */
  async frame(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const me = attachment(ws);
    if (!me || me.left) return;
    if (me.exp !== undefined && me.exp <= Date.now()) return void this.stream.serial(() => this.closeFor(ws, "session_ended", "token expired"));
    const r = await this.stream.room.relayFrame(me, data);
    if (!r.replies.length && !r.close) return;
    await this.stream.serial(async () => {
      if (r.replies.length) await this.stream.catchUp(r.seq);
      for (const f of r.replies) this.fanout.send(ws, f);
      if (r.close) this.close(ws, r.close.code, r.close.reason);
    });
  }

  /** The client closed, or the socket failed. */
  async closed(ws: WebSocket, close?: { code: number; reason: string }) {
    if (close) closeBack(ws, close.code, close.reason);
    if (this.sockets.remove(ws)) await this.changed();
  }

  kick(userId: number, kind: UserClosing, reason?: string): Promise<number> {
    return this.stream.serial(() => this.closeWhere(this.ctx.getWebSockets(`u:${userId}`), kind, reason));
  }

  kickSession(userId: number, sessionId: string, reason: string): Promise<number> {
    return this.stream.serial(() =>
      this.closeWhere(
        this.ctx.getWebSockets(`u:${userId}`).filter((ws) => attachment(ws)?.sid === sessionId),
        "session_ended",
        reason,
      ),
    );
  }

  /** The room was deleted: every socket hears so, and the relay forgets its stream. */
  destroy(): Promise<void> {
    return this.stream.serial(async () => {
      this.closeWhere(this.ctx.getWebSockets(), "room_deleted");
      this.sockets.clear();
      this.fanout.clear();
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
    });
  }

  /** The stream lost what these sockets missed (stream.ts): each client resumes from its last id. */
  resumeAll() {
    this.fanout.flush();
    for (const [ws] of [...this.sockets.entries()]) this.close(ws, RESUME_CLOSE, "reconnect with since");
  }

  private closeWhere(sockets: WebSocket[], kind: ClosingKind, reason?: string): number {
    let n = 0;
    for (const ws of sockets) {
      const a = attachment(ws);
      if (!a || a.left) continue;
      this.closeFor(ws, kind, reason);
      n++;
    }
    return n;
  }

  /** The closing frame after what is queued, then its close; the socket stops counting at once. */
  private closeFor(ws: WebSocket, kind: ClosingKind, reason?: string) {
    const frame = closingFrame(kind, reason);
    this.fanout.send(ws, frame);
    this.close(ws, frame.code, frame.reason);
  }

  private close(ws: WebSocket, code: number, reason: string) {
    markLeft(ws);
    safeClose(ws, code, reason);
    this.sockets.remove(ws);
    void this.changed();
  }
}
