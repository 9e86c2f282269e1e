// The room Durable Object, one per room (direct chats included), named `room:<id>` (client.ts).
// A thin shell: it builds one module per responsibility and delegates to them. The message log
// (message-log.ts, history.ts, render.ts), edit history (edits.ts), pins, reactions, the search
// index, retention, the summary written behind to D1, the sockets with typing and presence
// (connection.ts, admission.ts, frames.ts, typing.ts) and the alarm that runs the jobs (alarm.ts).
// It trusts only the worker: RPC methods are called after the worker authorized the caller,
// and `fetch` only serves WebSocket upgrades the worker already admitted.
import { DurableObject } from "cloudflare:workers";
import { autoPong } from "../http/ws";
import { admit, admitRemote, type Admission } from "./admission";
import { Alarm } from "./alarm";
import { Connections, type UserClosing } from "./connection";
import { EditHistory, type VersionQuery } from "./edits";
import { Fanout } from "./fanout";
import { Flags } from "./flags";
import { HistoryReader, type History, type HistoryQuery } from "./history";
import { MessageLog, type Posted } from "./message-log";
import { Pins, type Pinned } from "./pins";
import { refuse, type Actor, type ChatMessage, type MessageVersion, type NewMessage, type Pin, type Refusal } from "./protocol";
import { RateLimiter } from "./rate-limit";
import { Reactions, type Reacted, type ReactionQuery, type Reactor } from "./reactions";
import { markRead, type ReadPosition } from "./reads";
import { Renderer } from "./render";
import { Retention } from "./retention";
import { SearchIndex, type SearchQuery } from "./search-index";
import { Sockets } from "./sockets";
import { roomDeleted, RoomStorage } from "./storage";
import { Summary } from "./summary";
import { Threads, type ThreadList, type ThreadPage, type ThreadQuery } from "./threads";
import { Typing } from "./typing";
import { Frames } from "./frames";
import { closingFrame } from "./protocol";
import { RelayLink } from "./relay/link";
import type { Entry, RemoteAdmission, RemoteFrameReply } from "./relay/wire";
import type { SocketInfo } from "./sockets";

export { ADMISSION_HEADER, type Admission } from "./admission";
export type { HistoryQuery };

export class Room extends DurableObject<Env> {
  private readonly s: RoomStorage;
  private readonly sockets: Sockets;
  private readonly fanout: Fanout;
  private readonly flags: Flags;
  private readonly typists: Typing;
  private readonly summary: Summary;
  private readonly retention: Retention;
  private readonly index: SearchIndex;
  private readonly reader: HistoryReader;
  private readonly log: MessageLog;
  private readonly reactions: Reactions;
  private readonly edits: EditHistory;
  private readonly pins: Pins;
  private readonly threads: Threads;
  private readonly connections: Connections;
  private readonly frames: Frames;
  private readonly scheduler: Alarm;
  private readonly render: Renderer;
  private readonly link: RelayLink;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Storage first: it migrates before any other module prepares its statements.
    const s = (this.s = new RoomStorage(ctx));
    const render = (this.render = new Renderer(s, env));
    this.sockets = new Sockets(ctx);
    const link = (this.link = new RelayLink(env, s));
    this.fanout = new Fanout(this.sockets, () => s.roomId, (text, except) => link.publish(text, except));
    // Messages, edits, deletions and reactions per sender (the configured rate).
    const limiter = new RateLimiter(Number(env.RATE_LIMIT_PER_SECOND) || 10, Number(env.RATE_LIMIT_BURST) || 20);
    this.scheduler = new Alarm(ctx, s, () => ({ connections: this.connections, typing: this.typists, summary: this.summary, retention: this.retention, index: this.index }));
    const reschedule = () => this.scheduler.reschedule();
    this.flags = new Flags(s, (on) => {
      if (on) this.typists.stopAll();
      this.fanout.flush();
    });
    this.typists = new Typing(s, this.fanout, this.flags, reschedule);
    const threads = (this.threads = new Threads(s, render));
    this.summary = new Summary(ctx, env, s, render, this.sockets, threads, reschedule, () => link.users(), (online) => {
      // A giant room says who is online once a second at most, not per join and leave.
      if (!link.relays) return;
      const typing = this.typists.who(3);
      this.fanout.broadcast({ type: "presence", online, typing: typing.users, typing_count: typing.count });
    });
    this.retention = new Retention(env, s);
    this.index = new SearchIndex(ctx, s, render);
    this.reader = new HistoryReader(s, render);
    this.edits = new EditHistory(s);
    this.pins = new Pins(s, render, this.fanout, this.flags, limiter);
    this.log = new MessageLog(s, render, this.fanout, this.flags, this.typists, this.summary, limiter, { edits: this.edits, pins: this.pins }, this.threads);
    this.reactions = new Reactions(s, render, this.fanout, this.flags, limiter);
    this.connections = new Connections(ctx, s, this.sockets, this.fanout, this.typists, this.summary, () => link.relays > 0);
    this.frames = new Frames({ s, fanout: this.fanout, connections: this.connections, log: this.log, reactions: this.reactions, typing: this.typists, markRead: (a, upTo) => this.markRead(a, upTo), limiter });
    // Answered by the runtime without waking a hibernating object.
    ctx.setWebSocketAutoResponse(autoPong());
  }

  // ---------------------------------------------------------------- RPC: messages

  /**
   * Store, then broadcast, then acknowledge. A repeated client_id returns the original message.
   * `checkedAt`: when the worker checked the sender's membership in D1. A removal that reached
   * this room after that check (kick) wins: the send is refused, as the sender's sockets were closed.
   * `massMentions`: the worker allows the sender @here / @all; without it they are refused (403).
   */
  post(actor: Actor, input: NewMessage, checkedAt?: number, activeVersion?: number, massMentions = false): Posted | Refusal {
    if (checkedAt !== undefined && this.connections.revokedAt(actor.id) >= checkedAt) return refuse(403, "not_a_member", "Only active members of this room can do this");
    this.flags.activeInD1(activeVersion);
    const result = this.log.store(actor, input, massMentions);
    this.fanout.flush();
    return result;
  }

  /**
   * A `system` message from the worker (an admin broadcast), exactly once per key: the key is kept
   * as the message's client_id, in a form no client can send. Not rate limited.
   */
  announce(actor: Actor, content: string, key: string): Posted | Refusal {
    return this.post(actor, { message_type: "system", content_text: content, client_id: `#${key}` });
  }

  /** `viewer`: the user the page is for (their reactions are marked `me`). */
  history(q: HistoryQuery, viewer?: number): History {
    return this.reader.page(q, viewer);
  }

  /** The page query (exposed for its query plan in tests). */
  historyQuery(q: HistoryQuery, last?: number) {
    return this.reader.query(q, last);
  }

  edit(actor: Actor, messageId: number, content: string, activeVersion?: number): Posted | Refusal {
    this.flags.activeInD1(activeVersion);
    return this.log.edit(actor, messageId, content);
  }

  /** Soft delete; returns the file the message carried when no other message uses it. */
  remove(actor: Actor, messageId: number, moderator: boolean): (Posted & { orphaned_file_id: number | null }) | Refusal {
    return this.log.remove(actor, messageId, moderator);
  }

  /** A file was deleted: its messages show the media as removed from now on. */
  mediaRemoved(fileId: number): number {
    return this.log.mediaRemoved(fileId);
  }

  markRead(user: Actor, upTo?: number): Promise<ReadPosition | Refusal> {
    return markRead(this.env, this.s, this.fanout, user, upTo);
  }

  search(q: SearchQuery, viewer?: number): ChatMessage[] {
    return this.index.search(q, viewer);
  }

  /** The search statement (exposed for its query plan in tests). */
  searchQuery(q: SearchQuery, useIndex?: boolean) {
    return this.index.query(q, useIndex);
  }

  /** The page queries of rendering (exposed for their query plans in tests). */
  pageQueries(ids: number[], quotedIds: number[], viewer?: number) {
    return this.render.pageQueries(ids, quotedIds, viewer);
  }

  /** REST typing (POST /chat-rooms/{id}/typing), for clients without a socket: as a typing frame. */
  typing(actor: Actor, isTyping: boolean): void {
    if (this.s.destroyed) return;
    this.typists.set(actor, isTyping);
    this.fanout.flush();
  }

  /** One message, as history renders it. */
  message(messageId: number, viewer?: number, cleared = 0): ChatMessage | null {
    return this.reader.message(messageId, viewer, cleared);
  }

  /** A message's versions, oldest first, the current text last. */
  versions(messageId: number, q: VersionQuery, cleared = 0): { ok: true; versions: MessageVersion[] } | Refusal {
    return this.edits.versions(messageId, q, cleared);
  }

  // ---------------------------------------------------------------- RPC: pins

  pin(actor: Actor, messageId: number, pinned: boolean, cleared = 0, activeVersion?: number): Pinned | Refusal {
    this.flags.activeInD1(activeVersion);
    return this.pins.set(actor, messageId, pinned, cleared);
  }

  /** Newest pin first; `viewer` marks their reactions. */
  pinned(viewer: number, cleared = 0): Pin[] {
    return this.pins.list(viewer, cleared);
  }

  // ---------------------------------------------------------------- RPC: threads (threads.ts)

  /** The room's threads, newest activity first; `cursor`: the previous page's next_cursor. */
  threadList(viewer: number, q: { limit: number; cursor?: number; cleared?: number }): ThreadList {
    return this.threads.list(viewer, q);
  }

  threadPage(rootId: number, q: ThreadQuery, viewer?: number): ({ ok: true } & ThreadPage) | Refusal {
    const page = this.threads.page(rootId, q, viewer);
    return "ok" in page ? page : { ok: true, ...page };
  }

  /** Sets the caller's read position in a thread, then writes their room-list total to D1. */
  async threadRead(user: Actor, rootId: number, upTo?: number) {
    if (this.s.destroyed) return roomDeleted();
    const r = this.threads.read(user.id, rootId, upTo);
    if ("ok" in r) return r;
    return { ok: true as const, ...r, thread_unread_count: await this.summary.threadTotals([user.id]).then((t) => t.get(user.id) ?? 0) };
  }

  async threadFollow(user: Actor, rootId: number, on: boolean) {
    if (this.s.destroyed) return roomDeleted();
    const r = this.threads.follow(user.id, rootId, on);
    if ("ok" in r) return r;
    await this.summary.threadTotals([user.id]);
    return { ok: true as const, ...r };
  }

  // ---------------------------------------------------------------- RPC: reactions

  react(actor: Actor, messageId: number, emoji: string, add: boolean, cleared = 0, activeVersion?: number): Reacted | Refusal {
    this.flags.activeInD1(activeVersion);
    return this.reactions.react(actor, messageId, emoji, add, cleared);
  }

  reactors(messageId: number, q: ReactionQuery, cleared = 0): { ok: true; reactions: Reactor[] } | Refusal {
    return this.reactions.reactors(messageId, q, cleared);
  }

  /** Highest message id, for validating read positions. */
  lastMessageId(): number {
    return this.s.bounds().last;
  }

  online(): { id: number; username: string; display_name: string | null }[] {
    return this.connections.online();
  }

  // ---------------------------------------------------------------- RPC: retention

  prune(keep: number): number {
    return this.retention.prune(keep);
  }

  pruneOlderThan(days: number, now?: number, max?: number): number {
    return this.retention.pruneOlderThan(days, now, max);
  }

  // ---------------------------------------------------------------- RPC: membership

  /** A direct chat under a block takes no messages; `version` is D1's block version. Returns whether it applied. */
  setPostingBlocked(blocked: boolean, version: number): boolean {
    return this.flags.set("blocked", blocked, version);
  }

  /** The room was archived or reactivated; `version` is D1's archive_version (older ones are ignored). */
  setArchived(archived: boolean, version: number): boolean {
    return this.flags.set("archived", archived, version);
  }

  /** The health check's round trip: answers from this object's own storage. */
  ping(): { ok: true; at: number } {
    this.ctx.storage.sql.exec("SELECT 1").toArray();
    return { ok: true, at: Date.now() };
  }

  /** Closes a user's sockets after a closing frame naming `kind` (its close code: protocol.ts CLOSING_KINDS). */
  kick(userId: number, kind: UserClosing = "removed", reason?: string): number | Promise<number> {
    const here = this.connections.kick(userId, kind, reason);
    // A giant room's relays close theirs too (a room without relays answers at once, as before).
    return this.link.relays ? this.link.kick(userId, kind, reason).then((there) => here + there) : here;
  }

  /** A session ended (logout, revoked, refresh reuse): close the user's sockets opened in it with 4001. */
  kickSession(userId: number, sessionId: string, reason = "signed out"): number | Promise<number> {
    const here = this.connections.kickSession(userId, sessionId, reason);
    return this.link.relays ? this.link.kickSession(userId, sessionId, reason).then((there) => here + there) : here;
  }

  /** The room was deleted: close every socket (a room_deleted closing frame, then 4004) and forget everything, alarm included. */
  async destroy(): Promise<void> {
    this.s.destroyed = true;
    this.connections.closeAll();
    await this.link.destroy();
    await this.s.wipe();
  }

  // ---------------------------------------------------------------- RPC: relays (relay/)

  /** A relay admits a socket the worker placed on it: checked and greeted here, as one of ours. */
  async relayAdmit(index: number, admission: Admission, held: number): Promise<RemoteAdmission> {
    const { ctx, env, s, sockets, fanout, flags, reader: history, connections, retention, scheduler: alarm, link } = this;
    const r = await admitRemote({ ctx, env, s, sockets, fanout, flags, history, connections, retention, alarm, link }, admission);
    if (r.ok) link.admitted(index, held);
    return r;
  }

  /** A relay's users online (at most once a second per relay): they count in the room's presence. */
  relayPresence(index: number, sockets: number, users: number[]): void {
    if (this.s.destroyed) return;
    if (this.link.reported(index, sockets, users)) this.summary.schedule();
  }

  /** The stream after `after`, up to `upTo`, for a relay that missed it (null: no longer kept). */
  relayRange(after: number, upTo: number): Entry[] | null {
    return this.link.range(after, upTo);
  }

  /** A frame from a relay's socket, handled as the room's own; the answers go back to that socket. */
  async relayFrame(me: SocketInfo, data: string | ArrayBuffer): Promise<RemoteFrameReply> {
    const reply: RemoteFrameReply = { seq: 0, replies: [] };
    const close = (code: number, reason: string) => void (reply.close ??= { code, reason });
    const expired = () => {
      const frame = closingFrame("session_ended", "token expired");
      reply.replies.push(frame);
      close(frame.code, frame.reason);
    };
    await this.frames.handlePeer({ key: `relay:${me.key}`, me, send: (f) => reply.replies.push(f), close, expired }, data);
    this.fanout.flush();
    reply.seq = this.link.head();
    return reply;
  }

  // ---------------------------------------------------------------- WebSocket and alarm

  async fetch(request: Request): Promise<Response> {
    const { ctx, env, s, sockets, fanout, flags, reader: history, connections, retention, scheduler: alarm, link } = this;
    return admit({ ctx, env, s, sockets, fanout, flags, history, connections, retention, alarm, link }, request);
  }

  async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    await this.frames.handle(ws, data);
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.connections.closed(ws, { code, reason });
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    this.connections.closed(ws);
  }

  async alarm(): Promise<void> {
    await this.scheduler.run();
  }
}
