// Users' own sockets (the reference specs' `WS /realtime/ws`): USER_GATEWAYS gateway objects, a
// user's gateway being hash(user id) mod USER_GATEWAYS (push.ts), each holding the sockets of its
// share of users (tagged `u:<id>`). It pushes their notifications (mentions, room invites, system
// notices) the moment they exist, on every tab they have open, replays what a reconnecting tab
// missed (`?since=`), and fans a room's new messages out to those of the room's members it holds
// in one call per gateway, not one per member (docs/realtime.md, "User sockets").
//
// Producers write notifications to D1 and then poke the gateways of users with a socket open
// (push.ts); a poke makes the gateway read what it has not sent that user yet, by id, so a lost or
// repeated poke loses or duplicates nothing: the next one catches up. Everything that reads and
// moves a user's "sent" mark runs one at a time per user (serial), so a connect and a poke never
// interleave; other users of the gateway are not held up by it.
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
/** Storage key of a user's mark: the last notification id every socket of theirs was given. */
const sentKey = (userId: number) => `sent:${userId}`;
const tag = (userId: number) => `u:${userId}`;

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

  /** Something new may be waiting for these users (all on this gateway): send it to their sockets. */
  async poke(userIds: number[]): Promise<void> {
    await Promise.all(
      userIds.map((userId) =>
        this.serial(userId, async () => {
          await this.pump(userId);
          // A stale "online" hint (sockets dropped without a close): stop being poked.
          if (!this.open(userId).length) await this.setOnline(false, userId, false);
        }),
      ),
    );
  }

  /**
   * New messages of one conversation (already rendered frames, from the room via the worker's
   * push.ts), to every open socket of the given users (its online members on this gateway).
   * Nothing is stored: the room's history is the record. Returns the sockets reached.
   */
  deliver(userIds: number[], frames: string[]): number {
    let reached = 0;
    for (const userId of userIds) {
      const sockets = this.open(userId);
      for (const frame of frames) for (const ws of sockets) trySend(ws, frame);
      reached += sockets.length;
    }
    return reached;
  }

  /** Closes every socket of the user after a closing frame: session_ended (4001) when their tokens were revoked, account_deleted (4003). */
  kick(userId: number, kind: HubClosing, reason?: string): number {
    const sockets = this.ctx.getWebSockets(tag(userId));
    for (const ws of sockets) closeFor(ws, kind, reason);
    return sockets.length;
  }

  /** A session ended: close the user's sockets opened in it (4001). */
  kickSession(userId: number, sessionId: string, reason: string): number {
    this.endedSessions.set(sessionId, Date.now());
    let closed = 0;
    for (const ws of this.ctx.getWebSockets(tag(userId)))
      if (attachmentOf(ws)?.sid === sessionId) {
        closeFor(ws, "session_ended", reason);
        closed++;
      }
    return closed;
  }

  /** Sessions ended while awake, against an upgrade racing the end. */
  private readonly endedSessions = new Map<string, number>();
  /** Per user: the tail of their queue of work on the mark (in memory: it only orders work in flight). */
  private readonly chains = new Map<number, Promise<unknown>>();

  private serial<T>(userId: number, fn: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(userId) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => {});
    this.chains.set(userId, tail);
    void tail.then(() => this.chains.get(userId) === tail && this.chains.delete(userId));
    return run;
  }

  async fetch(request: Request): Promise<Response> {
    const raw = request.headers.get(HUB_ADMISSION_HEADER);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !raw) return new Response("WebSocket upgrades only", { status: 426 });
    const admission = JSON.parse(raw) as HubAdmission;
    return this.serial(admission.user.id, async () => {
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
        if (!this.open(admission.user.id).length) await this.setOnline(false, admission.user.id, false);
        return Response.json({ detail: `since is after your last notification (${last})`, code: "invalid_since" }, { status: 400 });
      }

      const [client, server] = Object.values(new WebSocketPair());
      this.ctx.acceptWebSocket(server, [tag(admission.user.id)]);
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
    await this.serial(me.id, async () => {
      if (!this.open(me.id).filter((s) => s !== ws).length) await this.setOnline(false, me.id);
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
    for (const ws of this.open(userId)) if (expired(ws, now)) closeFor(ws, "session_ended", "token expired");
    const sockets = this.open(userId).filter((ws) => !expired(ws, now));
    let sent = await this.ctx.storage.get<number>(sentKey(userId));
    if (sent === undefined || !sockets.length) {
      const row = await db.select({ last: sql<number | null>`max(${notifications.id})` }).from(notifications).where(eq(notifications.userId, userId)).get();
      sent = Math.max(sent ?? 0, row?.last ?? 0);
      await this.ctx.storage.put(sentKey(userId), sent);
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
        await this.ctx.storage.put(sentKey(userId), sent);
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

  private open(userId: number): WebSocket[] {
    return this.ctx.getWebSockets(tag(userId)).filter((ws) => ws.readyState === WebSocket.OPEN);
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
