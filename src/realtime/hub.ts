// A user's own socket (the reference specs' `WS /realtime/ws`): one Durable Object per user that
// pushes their notifications (mentions, room invites, system notices) the moment they exist, on
// every tab they have open, and replays what a reconnecting tab missed (`?since=`). Rooms keep
// their own sockets for messages; this one is for what happens to the user across rooms.
//
// Producers write notifications to D1 and then poke the hubs of users with a socket open
// (push.ts); a poke makes the hub read what it has not sent yet, by id, so a lost or repeated
// poke loses or duplicates nothing: the next one catches up. Everything that reads and moves the
// "sent" mark runs under blockConcurrencyWhile, so a connect and a poke never interleave.
import { DurableObject } from "cloudflare:workers";
import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { autoPong, closeBack, safeClose, trySend } from "../http/ws";
import { notifications, sessions, users } from "../db/schema";
import { selectNotifications, toNotification } from "../notifications/read";
import { closingFrame } from "../room/protocol";
import { UserClientFrame, type HubClosing, type UserServerFrame } from "./protocol";

/** Header on upgrade requests the worker forwards: the admitted identity (never from the client). */
export const HUB_ADMISSION_HEADER = "X-Edge-Chat-Hub-Admission";
/** session_id: the session the socket is opened in; expires_at: when its credential stops (ms). */
export type HubAdmission = { user: { id: number; username: string }; token_version: number; session_id: string; expires_at: number; since: number | null };

/** What the hub sends (realtime/protocol.ts). */
export type HubFrame = UserServerFrame;

/** Notifications read per pass of the pump, and replayed at most on a resume. */
const PAGE = 100;
const REPLAY_MAX = 200;
const SENT = "sent";

/** `sid`, `exp`: the session the socket was opened in and when its token or session expires (ms). */
type Attachment = { id: number; username: string; sid?: string; exp?: number };
const attachmentOf = (ws: WebSocket) => ws.deserializeAttachment() as Attachment | null;
const expired = (ws: WebSocket, now: number) => {
  const a = attachmentOf(ws);
  return a?.exp !== undefined && a.exp <= now;
};

export class UserHub extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(autoPong());
  }

  /** Something new may be waiting for this user (the hub's own id): send it to their sockets. */
  async poke(userId: number): Promise<void> {
    await this.ctx.blockConcurrencyWhile(async () => {
      await this.pump(userId);
      // A stale "online" hint (sockets dropped without a close): stop being poked.
      if (!this.open().length) await this.setOnline(false, userId, false);
    });
  }

  /**
   * New messages of one of the user's conversations (already rendered frames, from the room via
   * the worker's push.ts), to every open socket. Nothing is stored: the room's history is the record.
   */
  deliver(frames: string[]): number {
    const sockets = this.open();
    for (const frame of frames) for (const ws of sockets) trySend(ws, frame);
    return sockets.length;
  }

  /** Closes every socket of the user after a closing frame: session_ended (4001) when their tokens were revoked, account_deleted (4003). */
  kick(kind: HubClosing, reason?: string): number {
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) closeFor(ws, kind, reason);
    return sockets.length;
  }

  /** A session ended: close the sockets opened in it (4001). */
  kickSession(sessionId: string, reason: string): number {
    this.endedSessions.set(sessionId, Date.now());
    let closed = 0;
    for (const ws of this.ctx.getWebSockets())
      if (attachmentOf(ws)?.sid === sessionId) {
        closeFor(ws, "session_ended", reason);
        closed++;
      }
    return closed;
  }

  /** Sessions ended while awake, against an upgrade racing the end. */
  private readonly endedSessions = new Map<string, number>();

  async fetch(request: Request): Promise<Response> {
    const raw = request.headers.get(HUB_ADMISSION_HEADER);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !raw) return new Response("WebSocket upgrades only", { status: 426 });
    const admission = JSON.parse(raw) as HubAdmission;
    return this.ctx.blockConcurrencyWhile(async () => {
      const startedAt = Date.now();
      const user = await getDb(this.env.DB)
        .select({ tokenVersion: users.tokenVersion, session: sql<number>`EXISTS (SELECT 1 FROM ${sessions} WHERE ${sessions.id} = ${admission.session_id} AND ${sessions.userId} = ${admission.user.id})` })
        .from(users)
        .where(eq(users.id, admission.user.id))
        .get();
      // The password changed, the session ended, or the account went, between the worker's token check and here.
      if (!user || user.tokenVersion !== admission.token_version || !user.session || (this.endedSessions.get(admission.session_id) ?? 0) >= startedAt)
        return Response.json({ detail: "Invalid or expired token", code: "unauthorized" }, { status: 401 });
      // Online before the mark is read: a notification written after this is poked (and waits for
      // this connect to finish), one written before it is at or below the mark, so in the replay.
      await this.setOnline(true, admission.user.id);
      // Existing sockets first, so the mark below is what every socket has been given.
      const last = await this.pump(admission.user.id);
      if (admission.since !== null && admission.since > last) {
        if (!this.open().length) await this.setOnline(false, admission.user.id, false);
        return Response.json({ detail: `since is after your last notification (${last})`, code: "invalid_since" }, { status: 400 });
      }

      const [client, server] = Object.values(new WebSocketPair());
      this.ctx.acceptWebSocket(server);
      server.serializeAttachment({ id: admission.user.id, username: admission.user.username, sid: admission.session_id, exp: admission.expires_at } satisfies Attachment);
      send(server, { type: "connection_established", user: admission.user, last_notification_id: last });
      if (admission.since !== null) await this.replay(server, admission.user.id, admission.since, last);
      return new Response(null, { status: 101, webSocket: client });
    });
  }

  async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (expired(ws, Date.now())) return closeFor(ws, "session_ended", "token expired");
    let json: unknown;
    try {
      json = typeof data === "string" ? JSON.parse(data) : undefined;
    } catch {}
    const parsed = UserClientFrame.safeParse(json);
    if (!parsed.success) return send(ws, { type: "error", code: "invalid_frame", message: "This socket only takes {\"type\":\"ping\"}" });
    switch (parsed.data.type) {
      case "ping":
        return send(ws, { type: "pong" });
      default: {
        const never: never = parsed.data.type;
        return never;
      }
    }
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    closeBack(ws, code, reason);
    await this.socketGone(ws);
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    await this.socketGone(ws);
  }

  private async socketGone(ws: WebSocket) {
    const me = ws.deserializeAttachment() as Attachment | null;
    if (!me) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (!this.open().filter((s) => s !== ws).length) await this.setOnline(false, me.id);
    });
  }

  /**
   * Sends the notifications created since the last pass to every open socket and moves the mark;
   * returns the mark. With no socket open, nothing is owed to anyone: the mark jumps to the newest.
   * The mark never goes down (deleting a notification lowers the newest id), so a `since` a client
   * was given stays valid, and it is stored after each page, so a failed read resends nothing.
   */
  private async pump(userId: number): Promise<number> {
    const db = getDb(this.env.DB);
    // A socket whose token or session expired gets nothing more: it is closed instead (4001).
    const now = Date.now();
    for (const ws of this.open()) if (expired(ws, now)) closeFor(ws, "session_ended", "token expired");
    const sockets = this.open().filter((ws) => !expired(ws, now));
    let sent = await this.ctx.storage.get<number>(SENT);
    if (sent === undefined || !sockets.length) {
      const row = await db.select({ last: sql<number | null>`max(${notifications.id})` }).from(notifications).where(eq(notifications.userId, userId)).get();
      sent = Math.max(sent ?? 0, row?.last ?? 0);
      await this.ctx.storage.put(SENT, sent);
      return sent;
    }
    for (;;) {
      const rows = await selectNotifications(db)
        .where(and(eq(notifications.userId, userId), gt(notifications.id, sent)))
        .orderBy(asc(notifications.id))
        .limit(PAGE)
        .all();
      for (const r of rows) {
        const frame = JSON.stringify({ type: "notification", notification: toNotification(r) } satisfies HubFrame);
        for (const ws of sockets) trySend(ws, frame);
      }
      if (rows.length) {
        sent = rows[rows.length - 1].n.id;
        await this.ctx.storage.put(SENT, sent);
      }
      if (rows.length < PAGE) break;
    }
    return sent;
  }

  /** (since, last], oldest first; a long absence gets the newest REPLAY_MAX and a `gap` for the rest. */
  private async replay(ws: WebSocket, userId: number, since: number, last: number) {
    const rows = await selectNotifications(getDb(this.env.DB))
      .where(and(eq(notifications.userId, userId), gt(notifications.id, since), sql`${notifications.id} <= ${last}`))
      .orderBy(desc(notifications.id))
      .limit(REPLAY_MAX + 1)
      .all();
    if (rows.length > REPLAY_MAX) {
      rows.length = REPLAY_MAX;
      send(ws, { type: "gap", from_id: since + 1, to_id: rows[rows.length - 1].n.id - 1, kind: "truncated", reason: "too many to replay; fetch them with GET /notifications?before=" });
    }
    for (const r of rows.reverse()) send(ws, { type: "notification", notification: toNotification(r) });
    send(ws, { type: "replay_done", last_notification_id: last });
  }

  /**
   * Whether producers should poke this hub (users.realtime_online; a hint, corrected by the next
   * poke). It is presence too, so the time is the user's last_seen_at.
   */
  private async setOnline(online: boolean, userId: number, seen = true) {
    await getDb(this.env.DB)
      .update(users)
      .set({ realtimeOnline: online, ...(seen && { lastSeenAt: new Date().toISOString() }) })
      .where(eq(users.id, userId))
      .run();
  }

  private open(): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
  }
}

function send(ws: WebSocket, frame: HubFrame) {
  trySend(ws, JSON.stringify(frame));
}

/** The closing frame naming why, then the close it announces (a client acts on the frame at once). */
function closeFor(ws: WebSocket, kind: HubClosing, reason?: string) {
  const frame = closingFrame(kind, reason);
  send(ws, frame);
  safeClose(ws, frame.code, frame.reason);
}
