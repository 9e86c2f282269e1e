// A giant room's relay object (docs/realtime.md, "Giant rooms"), named `<room id>:<index>`: holds
// a share of the room's sockets and forwards to them what the room pushes, with the room's own
// fan-out (order, batch frames, reference documents' shapes). The room stays the sequencer and
// the store; a relay keeps only its place in the room's stream (storage) and its sockets
// (attachments), so it hibernates like a room and loses nothing it cannot ask the room for again.
// Only the worker (an upgrade it placed here) and the room (RPC) call it.
import { DurableObject } from "cloudflare:workers";
import { autoPong } from "../../http/ws";
import type { UserClosing } from "../connection";
import { Fanout } from "../fanout";
import { Sockets } from "../sockets";
import { RelayConnections } from "./connection";
import { parseRelayName } from "./placement";
import { Presence } from "./presence";
import { Stream } from "./stream";
import type { Push, PushReply } from "./wire";

export class Relay extends DurableObject<Env> {
  private readonly stream: Stream;
  private readonly connections: RelayConnections;
  private readonly presence: Presence;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const { roomId, index } = parseRelayName(ctx.id.name);
    const sockets = new Sockets(ctx);
    const fanout = new Fanout(sockets, () => roomId);
    this.stream = new Stream(ctx, env, roomId, sockets, fanout, () => this.connections.resumeAll());
    this.presence = new Presence(ctx, index, sockets, this.stream);
    this.connections = new RelayConnections(ctx, index, sockets, fanout, this.stream, () => this.presence.changed());
    ctx.setWebSocketAutoResponse(autoPong());
  }

  /** The room's new frames, in order after `prev`. */
  push(p: Push): Promise<PushReply> {
    return this.stream.push(p);
  }

  kick(userId: number, kind: UserClosing, reason?: string): Promise<number> {
    return this.connections.kick(userId, kind, reason);
  }

  kickSession(userId: number, sessionId: string, reason: string): Promise<number> {
    return this.connections.kickSession(userId, sessionId, reason);
  }

  destroy(): Promise<void> {
    return this.connections.destroy();
  }

  async fetch(request: Request): Promise<Response> {
    return this.connections.admit(request);
  }

  async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    await this.connections.frame(ws, data);
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await this.connections.closed(ws, { code, reason });
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    await this.connections.closed(ws);
  }

  async alarm(): Promise<void> {
    await this.presence.report();
  }
}
