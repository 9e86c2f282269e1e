// The room Durable Object, one per room (direct chats included), named `room:<id>` (client.ts).
// A thin shell: its parts (parts.ts), one module per responsibility, do the work. The message log
// (message-log.ts, history.ts, render.ts), edit history (edits.ts), pins, reactions, the search
// index, retention, the summary written behind to D1, the sockets with typing and presence
// (connection.ts, admission.ts, frames.ts, typing.ts) and the alarm that runs the jobs (alarm.ts).
// It trusts only the worker: RPC methods are called after the worker authorized the caller,
// and `fetch` only serves WebSocket upgrades the worker already admitted.
import { DurableObject } from "cloudflare:workers";
import { admit, admitRemote, type Admission } from "./admission";
import type { UserClosing } from "./connection";
import type { VersionQuery } from "./edits";
import type { History, HistoryQuery } from "./history";
import type { Posted } from "./message-log";
import { roomParts, type RoomParts } from "./parts";
import type { Pinned } from "./pins";
import { closingFrame, refuse, type Actor, type ChatMessage, type MessageVersion, type NewMessage, type Pin, type Refusal } from "./protocol";
import type { Reacted, ReactionQuery, Reactor } from "./reactions";
import { markRead, type ReadPosition } from "./reads";
import type { Entry, RemoteAdmission, RemoteFrameReply } from "./relay/wire";
import type { SearchQuery } from "./search-index";
import type { SocketInfo } from "./sockets";
import { roomDeleted } from "./storage";
import type { ThreadList, ThreadPage, ThreadQuery } from "./threads";

export { ADMISSION_HEADER, type Admission } from "./admission";
export type { HistoryQuery };

export class Room extends DurableObject<Env> {
  private readonly p: RoomParts;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.p = roomParts(ctx, env);
  }

  // ---------------------------------------------------------------- RPC: messages

  /**
   * Store, then broadcast, then acknowledge. A repeated client_id returns the original message.
   * `checkedAt`: when the worker checked the sender's membership in D1. A removal that reached
   * this room after that check (kick) wins: the send is refused, as the sender's sockets were closed.
   * `massMentions`: the worker allows the sender @here / @all; without it they are refused (403).
   */
  post(actor: Actor, input: NewMessage, checkedAt?: number, activeVersion?: number, massMentions = false): Posted | Refusal {
    if (checkedAt !== undefined && this.p.connections.revokedAt(actor.id) >= checkedAt) return refuse(403, "not_a_member", "Only active members of this room can do this");
    this.p.flags.activeInD1(activeVersion);
    const result = this.p.log.store(actor, input, massMentions);
    this.p.fanout.flush();
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
    return this.p.history.page(q, viewer);
  }

  /** The page query (exposed for its query plan in tests). */
  historyQuery(q: HistoryQuery, last?: number) {
    return this.p.history.query(q, last);
  }

  edit(actor: Actor, messageId: number, content: string, activeVersion?: number): Posted | Refusal {
    this.p.flags.activeInD1(activeVersion);
    return this.p.log.edit(actor, messageId, content);
  }

  /** Soft delete; returns the file the message carried when no other message uses it. */
  remove(actor: Actor, messageId: number, moderator: boolean): (Posted & { orphaned_file_id: number | null }) | Refusal {
    return this.p.log.remove(actor, messageId, moderator);
  }

  /** A file was deleted: its messages show the media as removed from now on. */
  mediaRemoved(fileId: number): number {
    return this.p.log.mediaRemoved(fileId);
  }

  markRead(user: Actor, upTo?: number): Promise<ReadPosition | Refusal> {
    return markRead(this.env, this.p.s, this.p.fanout, user, upTo);
  }

  search(q: SearchQuery, viewer?: number): ChatMessage[] {
    return this.p.index.search(q, viewer);
  }

  /** The search statement (exposed for its query plan in tests). */
  searchQuery(q: SearchQuery, useIndex?: boolean) {
    return this.p.index.query(q, useIndex);
  }

  /** The page queries of rendering (exposed for their query plans in tests). */
  pageQueries(ids: number[], quotedIds: number[], viewer?: number) {
    return this.p.render.pageQueries(ids, quotedIds, viewer);
  }

  /** REST typing (POST /chat-rooms/{id}/typing), for clients without a socket: as a typing frame. */
  typing(actor: Actor, isTyping: boolean): void {
    if (this.p.s.destroyed) return;
    this.p.typists.set(actor, isTyping);
    this.p.fanout.flush();
  }

  /** One message, as history renders it. */
  message(messageId: number, viewer?: number, cleared = 0): ChatMessage | null {
    return this.p.history.message(messageId, viewer, cleared);
  }

  /** A message's versions, oldest first, the current text last. */
  versions(messageId: number, q: VersionQuery, cleared = 0): { ok: true; versions: MessageVersion[] } | Refusal {
    return this.p.edits.versions(messageId, q, cleared);
  }

  // ---------------------------------------------------------------- RPC: pins

  pin(actor: Actor, messageId: number, pinned: boolean, cleared = 0, activeVersion?: number): Pinned | Refusal {
    this.p.flags.activeInD1(activeVersion);
    return this.p.pins.set(actor, messageId, pinned, cleared);
  }

  /** Newest pin first; `viewer` marks their reactions. */
  pinned(viewer: number, cleared = 0): Pin[] {
    return this.p.pins.list(viewer, cleared);
  }

  // ---------------------------------------------------------------- RPC: threads (threads.ts)

  /** The room's threads, newest activity first; `cursor`: the previous page's next_cursor. */
  threadList(viewer: number, q: { limit: number; cursor?: number; cleared?: number }): ThreadList {
    return this.p.threads.list(viewer, q);
  }

  threadPage(rootId: number, q: ThreadQuery, viewer?: number): ({ ok: true } & ThreadPage) | Refusal {
    const page = this.p.threads.page(rootId, q, viewer);
    return "ok" in page ? page : { ok: true, ...page };
  }

  /** Sets the caller's read position in a thread, then writes their room-list total to D1. */
  async threadRead(user: Actor, rootId: number, upTo?: number) {
    if (this.p.s.destroyed) return roomDeleted();
    const r = this.p.threads.read(user.id, rootId, upTo);
    if ("ok" in r) return r;
    return { ok: true as const, ...r, thread_unread_count: await this.p.summary.threadTotals([user.id]).then((t) => t.get(user.id) ?? 0) };
  }

  async threadFollow(user: Actor, rootId: number, on: boolean) {
    if (this.p.s.destroyed) return roomDeleted();
    const r = this.p.threads.follow(user.id, rootId, on);
    if ("ok" in r) return r;
    await this.p.summary.threadTotals([user.id]);
    return { ok: true as const, ...r };
  }

  // ---------------------------------------------------------------- RPC: reactions

  react(actor: Actor, messageId: number, emoji: string, add: boolean, cleared = 0, activeVersion?: number): Reacted | Refusal {
    this.p.flags.activeInD1(activeVersion);
    return this.p.reactions.react(actor, messageId, emoji, add, cleared);
  }

  reactors(messageId: number, q: ReactionQuery, cleared = 0): { ok: true; reactions: Reactor[] } | Refusal {
    return this.p.reactions.reactors(messageId, q, cleared);
  }

  /** Highest message id, for validating read positions. */
  lastMessageId(): number {
    return this.p.s.bounds().last;
  }

  /**
   * Users online in the room above `after`, ascending, at most `limit`: its own sockets now, the
   * relays' as they last reported (at most a second or two behind). Pages: presence/service.ts.
   */
  onlineIds(after: number, limit: number): number[] {
    const ids = new Set([...this.p.sockets.users().map((u) => u.id), ...this.p.link.users()]);
    return [...ids].filter((id) => id > after).sort((a, b) => a - b).slice(0, limit);
  }

  // ---------------------------------------------------------------- RPC: retention

  prune(keep: number): number {
    return this.p.retention.prune(keep);
  }

  pruneOlderThan(days: number, now?: number, max?: number): number {
    return this.p.retention.pruneOlderThan(days, now, max);
  }

  // ---------------------------------------------------------------- RPC: membership

  /** A direct chat under a block takes no messages; `version` is D1's block version. Returns whether it applied. */
  setPostingBlocked(blocked: boolean, version: number): boolean {
    return this.p.flags.set("blocked", blocked, version);
  }

  /** The room was archived or reactivated; `version` is D1's archive_version (older ones are ignored). */
  setArchived(archived: boolean, version: number): boolean {
    return this.p.flags.set("archived", archived, version);
  }

  /** The health check's round trip: answers from this object's own storage. */
  ping(): { ok: true; at: number } {
    this.ctx.storage.sql.exec("SELECT 1").toArray();
    return { ok: true, at: Date.now() };
  }

  /** Closes a user's sockets after a closing frame naming `kind` (its close code: protocol.ts CLOSING_KINDS). */
  kick(userId: number, kind: UserClosing = "removed", reason?: string): number | Promise<number> {
    const here = this.p.connections.kick(userId, kind, reason);
    // A giant room's relays close theirs too (a room without relays answers at once, as before).
    return this.p.link.relays ? this.p.link.kick(userId, kind, reason).then((there) => here + there) : here;
  }

  /** A session ended (logout, revoked, refresh reuse): close the user's sockets opened in it with 4001. */
  kickSession(userId: number, sessionId: string, reason = "signed out"): number | Promise<number> {
    const here = this.p.connections.kickSession(userId, sessionId, reason);
    return this.p.link.relays ? this.p.link.kickSession(userId, sessionId, reason).then((there) => here + there) : here;
  }

  /** The room was deleted: close every socket (a room_deleted closing frame, then 4004) and forget everything, alarm included. */
  async destroy(): Promise<void> {
    this.p.s.destroyed = true;
    this.p.connections.closeAll();
    await this.p.link.destroy();
    await this.p.s.wipe();
  }

  // ---------------------------------------------------------------- RPC: relays (relay/)

  /** A relay admits a socket the worker placed on it: checked and greeted here, as one of ours. */
  async relayAdmit(index: number, admission: Admission, held: number): Promise<RemoteAdmission> {
    const r = await admitRemote(this.p, admission);
    if (r.ok) this.p.link.admitted(index, held);
    return r;
  }

  /** A relay's users online (at most once a second per relay): they count in the room's presence. */
  relayPresence(index: number, sockets: number, users: number[]): void {
    if (this.p.s.destroyed) return;
    if (this.p.link.reported(index, sockets, users)) this.p.summary.schedule();
  }

  /** The stream after `after`, up to `upTo`, for a relay that missed it (null: no longer kept). */
  relayRange(after: number, upTo: number): Entry[] | null {
    return this.p.link.range(after, upTo);
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
    await this.p.frames.handlePeer({ key: `relay:${me.key}`, me, send: (f) => reply.replies.push(f), close, expired }, data);
    this.p.fanout.flush();
    reply.seq = this.p.link.head();
    return reply;
  }

  // ---------------------------------------------------------------- WebSocket and alarm

  async fetch(request: Request): Promise<Response> {
    return admit(this.p, request);
  }

  async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    await this.p.frames.handle(ws, data);
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.p.connections.closed(ws, { code, reason });
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    this.p.connections.closed(ws);
  }

  async alarm(): Promise<void> {
    await this.p.alarm.run();
  }
}
