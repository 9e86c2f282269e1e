// The room Durable Object, one per room (direct chats included). It owns the room's sockets
// (hibernation API), assigns the message order, keeps the message log in its own SQLite, fans
// messages out, tracks typing and presence, and writes the room summary behind to D1.
// It trusts only the worker: RPC methods are called after the worker authorized the caller,
// and `fetch` only serves WebSocket upgrades the worker already admitted.
import { DurableObject } from "cloudflare:workers";
import { and, asc, desc, eq, getTableColumns, gt, gte, isNull, lt, lte, or, sql } from "drizzle-orm";
import { placeholder } from "drizzle-orm/sql";
import { drizzle, type DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import { contains } from "../db/like";
import { autoPong, closeBack, safeClose } from "../http/ws";
import { signedFileUrl } from "../media/signing";
import { errorFields, log, type LogFields } from "../ops/log";
import { MENTIONS_SQL, mentionsIn } from "../notifications/produce";
import { deliverToUserSockets, pokeHubs, USER_SOCKET_MESSAGES_MAX } from "../realtime/push";
import bundle from "./migrations/migrations";
import {
  ClientFrame,
  MAX_EMOJI_PER_MESSAGE,
  MAX_EMOJI_PER_USER,
  MAX_FRAME_BYTES,
  MAX_SEARCH_WORDS,
  refuse,
  withAliases,
  type Actor,
  type ChatMessage,
  type Location,
  type NewMessage,
  type ReactionCount,
  type Refusal,
  type ServerFrame,
} from "./protocol";
import { roomIdOf } from "./client";
import { RateLimiter } from "./rate-limit";
import { Fanout } from "./fanout";
import { SHAPES, type WireShape } from "./shapes";
import { attachment, Sockets, type SocketInfo } from "./sockets";
import * as schema from "./schema";
import { messages, meta, reactions, typing, type MessageRow } from "./schema";

/** Header on upgrade requests the worker forwards: the admitted identity (never from the client). */
export const ADMISSION_HEADER = "X-Edge-Chat-Admission";
/** What the worker vouches for at an upgrade; token_version lets the room refuse a token revoked meanwhile. */
/** session_id: the session the socket is opened in; expires_at: when its credential stops (ms). */
/** `shape`: the socket speaks a reference document's frames (room/shapes.ts). */
export type Admission = {
  user: Actor;
  token_version: number;
  session_id: string;
  expires_at: number;
  since: number | null;
  batch: boolean;
  cleared?: number;
  shape?: WireShape;
};

const TYPING_TTL_MS = 5_000;
const TYPING_REFRESH_MS = 3_000;
const SUMMARY_DELAY_MS = 1_000;
const PREVIEW_CHARS = 200;
const REPLAY_PAGE = 500;
const REPLAY_MAX = 2_000;
/** Messages added to the search index per step (~0.15 s of work), and the pause between steps of a backlog. */
const INDEX_BATCH = 20_000;
const INDEX_PAUSE_MS = 1_000;
/** Refused frames a socket may send within ABUSE_WINDOW_MS before it is closed with 1008. */
const ABUSE_LIMIT = 20;
const ABUSE_WINDOW_MS = 10_000;
/**
 * Typing starts (after a stop) per user: a flapping client would otherwise make two broadcasts per
 * start/stop pair. Starts over it are dropped silently; stops always go through.
 */
const TYPING_STARTS_PER_SECOND = 2;
const TYPING_STARTS_BURST = 6;
/** Read frames per user, apart from messages: each is a D1 write, but must not cost a message. */
const READS_PER_SECOND = 10;
const READS_BURST = 30;


/** `cleared`: the reader cleared their history up to this id; nothing at or below it is returned. */
export type HistoryQuery = { limit: number; offset: number; before?: number; after?: number; cleared?: number };
/** `since`/`until` are ISO 8601 UTC as Date#toISOString writes them, so they compare as text with sent_at. */
export type SearchQuery = { q?: string; sender_id?: number; since?: string; until?: string; before?: number; limit: number; cleared?: number };
export type History = { messages: ChatMessage[]; oldest_id: number; last_id: number; gap: { from_id: number; to_id: number } | null };
export type Posted = { ok: true; message: ChatMessage; duplicate: boolean };
export type Reacted = { ok: true; changed: boolean; message: ChatMessage };
export type ReactionQuery = { emoji?: string; after?: number; limit: number };
export type Reactor = { id: number; emoji: string; user: { id: number; username: string }; created_at: string };

export class Room extends DurableObject<Env> {
  private readonly db: DrizzleSqliteDODatabase<typeof schema>;
  /** Messages, edits and deletions per sender (the configured rate); typing starts; read frames. */
  private readonly limiter: RateLimiter;
  private readonly typingLimiter = new RateLimiter(TYPING_STARTS_PER_SECOND, TYPING_STARTS_BURST);
  private readonly readLimiter = new RateLimiter(READS_PER_SECOND, READS_BURST);
  /** Refused frames per socket in the current window; in memory, so counting restarts after hibernation. */
  private abuse = new WeakMap<WebSocket, { n: number; since: number }>();
  /** Caches of values whose truth is in storage (meta, typing), read once per instance. */
  private cache: { summaryDue?: boolean; typing?: number; blocked?: boolean; archived?: boolean } = {};
  /**
   * Set by destroy(): a call the worker authorized just before the room's deletion may still arrive.
   * It must not write again into the storage that was just wiped (in memory: an evicted object has
   * nothing left to protect, and a deleted room's id is never reused).
   */
  private destroyed = false;
  /** Sessions ended while this instance is awake (kickSession), against an upgrade racing the end. */
  private readonly endedSessions = new Map<string, number>();
  /** The room this object is: from its own name (client.ts), so no call has to say it. */
  private readonly roomId: number;
  /** Hot-path statements, built once per instance instead of once per message. */
  private readonly q;
  private readonly sockets: Sockets;
  private readonly fanout: Fanout;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.db = drizzle(ctx.storage, { schema });
    this.sockets = new Sockets(ctx);
    this.roomId = roomIdOf(ctx.id);
    this.fanout = new Fanout(this.sockets, () => this.roomId);
    ctx.blockConcurrencyWhile(async () => migrate(this.db, bundle));
    const db = this.db;
    this.q = {
      byClientId: db
        .select()
        .from(messages)
        .where(and(eq(messages.senderId, placeholder("sender")), eq(messages.clientId, placeholder("client"))))
        .prepare(),
      byId: db.select().from(messages).where(eq(messages.id, placeholder("id"))).prepare(),
      insert: db
        .insert(messages)
        .values({
          senderId: placeholder("senderId"),
          senderName: placeholder("senderName"),
          contentText: placeholder("contentText"),
          messageType: placeholder("messageType"),
          fileId: placeholder("fileId"),
          fileName: placeholder("fileName"),
          fileSize: placeholder("fileSize"),
          contentType: placeholder("contentType"),
          width: placeholder("width"),
          height: placeholder("height"),
          replyToId: placeholder("replyToId"),
          clientId: placeholder("clientId"),
          fingerprint: placeholder("fingerprint"),
          location: placeholder("location"),
          sentAt: placeholder("sentAt"),
        })
        .returning()
        .prepare(),
    };
    // Answered by the runtime without waking a hibernating object.
    ctx.setWebSocketAutoResponse(autoPong());
    this.limiter = new RateLimiter(Number(env.RATE_LIMIT_PER_SECOND) || 10, Number(env.RATE_LIMIT_BURST) || 20);
  }

  // ---------------------------------------------------------------- RPC: messages

  /**
   * Store, then broadcast, then acknowledge. A repeated client_id returns the original message.
   * `checkedAt`: when the worker checked the sender's membership in D1. A removal that reached
   * this room after that check (kick) wins: the send is refused, as the sender's sockets were closed.
   */
  post(actor: Actor, input: NewMessage, checkedAt?: number, activeVersion?: number): Posted | Refusal {
    if (checkedAt !== undefined && Number(this.getMeta(`revoked:${actor.id}`) ?? 0) >= checkedAt)
      return refuse(403, "not_a_member", "Only active members of this room can do this");
    this.activeInD1(activeVersion);
    const result = this.store(actor, input);
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

  /** The shared path of REST and socket sends; the broadcast is queued (see Fanout). */
  private store(actor: Actor, input: NewMessage): Posted | Refusal {
    if (this.destroyed) return roomDeleted();
    if (input.client_id) {
      const prior = this.q.byClientId.get({ sender: actor.id, client: input.client_id });
      if (prior) {
        if (prior.fingerprint ? prior.fingerprint !== fingerprint(input) : !sameMessage(prior, input))
          return refuse(409, "client_id_conflict", "This client_id was already used for a different message");
        return { ok: true, message: this.renderAll([prior])[0], duplicate: true };
      }
    }
    if (this.postingBlocked()) return refuse(403, "cannot_message", "You cannot send messages in this conversation");
    const type = input.message_type;
    // An admin broadcast still reaches an archived room: it is read-only for its members.
    if (type !== "system" && this.archived()) return roomArchived();
    const wait = type === "system" ? 0 : this.limiter.take(actor.id);
    if (wait) return refuse(429, "rate_limited", `Too many messages; retry in ${wait}s`, wait);
    const content = input.content_text?.trim() ? input.content_text : null;
    if ((type === "text" || type === "system") && !content) return refuse(400, "empty_message", "A text message needs content_text");
    if (type === "location" && !input.location) return refuse(400, "location_required", "A location message needs location {latitude, longitude}");
    if (type !== "location" && input.location) return refuse(400, "unexpected_location", "Only location messages carry a location");
    if (type !== "text" && type !== "location" && type !== "system" && !input.attachment) return refuse(400, "media_required", `A ${type} message needs a file`);
    if ((type === "text" || type === "location" || type === "system") && input.attachment)
      return refuse(400, "unexpected_media", `${type === "location" ? "Location" : "Text"} messages cannot carry media`);
    const parent = input.reply_to_id ? this.q.byId.get({ id: input.reply_to_id }) : undefined;
    if (input.reply_to_id && !parent) return refuse(400, "invalid_reply_to", "reply_to_id is not a message of this room");

    const a = input.attachment;
    const row = this.q.insert.get({
      senderId: actor.id,
      senderName: actor.username,
      contentText: content,
      messageType: input.message_type,
      fileId: a?.file_id ?? null,
      fileName: a?.file_name ?? null,
      fileSize: a?.file_size ?? null,
      contentType: a?.content_type ?? null,
      width: a?.width ?? null,
      height: a?.height ?? null,
      replyToId: input.reply_to_id ?? null,
      clientId: input.client_id ?? null,
      fingerprint: input.client_id ? fingerprint(input) : null,
      location: locationText(input.location),
      sentAt: new Date().toISOString(),
    })!;
    this.stopTyping(actor.id);
    this.scheduleSummary();
    // New: nothing answers or reacts to it yet, so the page queries of renderAll are not needed.
    const message = this.render(row, { replyTo: parent, replyCount: 0, reactions: [] });
    // Output gates hold these frames and the RPC reply until the insert above is durable.
    this.fanout.broadcast({ type: "chat_message", message });
    return { ok: true, message, duplicate: false };
  }

  /** `viewer`: the user the page is for (their reactions are marked `me`). */
  history(q: HistoryQuery, viewer?: number): History {
    const bounds = this.bounds();
    const { last } = bounds;
    // What this reader cleared is, for them, as if the room never held it: no gap for it either.
    const oldest = Math.max(bounds.oldest, (q.cleared ?? 0) + 1);
    const rows = this.historyQuery(q, last).all();
    if (q.after === undefined) rows.reverse();
    const seen = Math.max(q.after ?? 0, q.cleared ?? 0);
    const gap = q.after !== undefined && bounds.oldest > 0 && seen < bounds.oldest - 1 ? { from_id: seen + 1, to_id: bounds.oldest - 1 } : null;
    return { messages: this.renderAll(rows, viewer), oldest_id: oldest, last_id: last, gap };
  }

  /**
   * The page query. Ids are dense (never reused, only the oldest pruned), so offset becomes an id
   * bound and every page is a primary-key range read of `limit` rows, whatever the room's size.
   */
  historyQuery(q: HistoryQuery, last = this.bounds().last) {
    const floor = q.cleared ? gt(messages.id, q.cleared) : undefined;
    if (q.after !== undefined) {
      const from = Math.max(q.after, q.cleared ?? 0) + 1 + q.offset;
      return this.db
        .select()
        .from(messages)
        .where(and(gte(messages.id, from), q.before !== undefined ? lt(messages.id, q.before) : undefined))
        .orderBy(asc(messages.id))
        .limit(q.limit);
    }
    const top = q.before !== undefined ? q.before - 1 - q.offset : last - q.offset;
    return this.db.select().from(messages).where(and(lte(messages.id, top), floor)).orderBy(desc(messages.id)).limit(q.limit);
  }

  edit(actor: Actor, messageId: number, content: string, activeVersion?: number): Posted | Refusal {
    if (this.destroyed) return roomDeleted();
    this.activeInD1(activeVersion);
    const row = this.db.select().from(messages).where(eq(messages.id, messageId)).get();
    if (!row || row.deletedAt) return refuse(404, "message_not_found", "Message not found");
    if (row.senderId !== actor.id) return refuse(403, "not_your_message", "Only the sender can edit a message");
    if (this.archived()) return roomArchived();
    if (row.messageType === "text" && !content.trim()) return refuse(400, "empty_message", "A text message needs content_text");
    // Each edit is a broadcast to every socket: it spends like a message.
    const wait = this.limiter.take(actor.id);
    if (wait) return refuse(429, "rate_limited", `Too many changes; retry in ${wait}s`, wait);
    const updated = this.db
      .update(messages)
      .set({ contentText: content.trim() ? content : null, editedAt: new Date().toISOString() })
      .where(eq(messages.id, messageId))
      .returning()
      .get();
    if (messageId === this.bounds().last) this.scheduleSummary();
    const [message] = this.renderAll([updated]);
    this.fanout.broadcast({ type: "message_updated", message });
    this.fanout.flush();
    return { ok: true, message, duplicate: false };
  }

  /**
   * Soft delete: the id stays (history stays gapless), the content goes. Returns the file the
   * message carried when no other message uses it, so the worker can delete it too.
   */
  remove(actor: Actor, messageId: number, moderator: boolean): (Posted & { orphaned_file_id: number | null }) | Refusal {
    if (this.destroyed) return roomDeleted();
    const row = this.db.select().from(messages).where(eq(messages.id, messageId)).get();
    if (!row || row.deletedAt) return refuse(404, "message_not_found", "Message not found");
    if (row.senderId !== actor.id && !moderator) return refuse(403, "not_your_message", "You can only delete your own messages");
    const wait = this.limiter.take(actor.id);
    if (wait) return refuse(429, "rate_limited", `Too many changes; retry in ${wait}s`, wait);
    const updated = this.db
      .update(messages)
      .set({ contentText: null, fileId: null, fileName: null, fileSize: null, contentType: null, width: null, height: null, location: null, deletedAt: new Date().toISOString() })
      .where(eq(messages.id, messageId))
      .returning()
      .get();
    // Its reactions go with its content (replies keep pointing at it: the thread stays).
    this.db.delete(reactions).where(eq(reactions.messageId, messageId)).run();
    if (messageId === this.bounds().last) this.scheduleSummary();
    const [message] = this.renderAll([updated]);
    this.fanout.broadcast({ type: "message_deleted", message });
    this.fanout.flush();
    const stillUsed = row.fileId !== null && this.db.select({ id: messages.id }).from(messages).where(eq(messages.fileId, row.fileId)).limit(1).get();
    return { ok: true, message, duplicate: false, orphaned_file_id: row.fileId !== null && !stillUsed ? row.fileId : null };
  }

  /** A file was deleted: its messages show the media as removed from now on. */
  mediaRemoved(fileId: number): number {
    if (this.destroyed) return 0;
    const rows = this.db.update(messages).set({ mediaRemoved: true }).where(eq(messages.fileId, fileId)).returning().all();
    for (const message of this.renderAll(rows)) this.fanout.broadcast({ type: "message_updated", message });
    this.fanout.flush();
    return rows.length;
  }

  /**
   * Moves a member's read position forward (never back). Positions live in D1, where room lists
   * and the inbox count unread for many rooms at once; stored there first, then announced.
   */
  async markRead(user: Actor, upTo?: number): Promise<{ ok: true; position: number; last: number } | Refusal> {
    if (this.destroyed) return roomDeleted();
    const { last } = this.bounds();
    const messageId = upTo ?? last;
    if (messageId > last) return refuse(400, "invalid_message_id", `The room's last message is ${last}`);
    const row = await this.env.DB.prepare(
      `UPDATE room_members SET last_read_message_id = max(last_read_message_id, ?1), last_active_at = ?2
       WHERE room_id = ?3 AND user_id = ?4 AND status = 'active' RETURNING last_read_message_id AS position`,
    )
      .bind(messageId, new Date().toISOString(), this.roomId, user.id)
      .first<{ position: number }>();
    if (!row) return refuse(403, "not_a_member", "Only active members have a read position");
    if (row.position === messageId && messageId > 0) this.fanout.broadcast({ type: "read", user: ref(user), message_id: messageId });
    this.fanout.flush();
    return { ok: true, position: row.position, last };
  }

  /**
   * Message search, newest first: every word of `q` must occur (case-insensitive substring, any
   * script), optionally from one sender and within [since, until). Words of three or more
   * characters go through the trigram index (messages_fts, brought up to date first); shorter ones
   * are LIKE filters on what the index (or the other filters) left. Deleted messages are never found.
   */
  search(q: SearchQuery, viewer?: number): ChatMessage[] {
    // While a long backlog is still being indexed (a big room that predates search), the words are
    // matched with LIKE instead: slower, and case-insensitive for ASCII only, but nothing is skipped.
    const caughtUp = this.indexForSearch();
    return this.renderAll(this.searchQuery(q, caughtUp).all(), viewer);
  }

  /** The search statement (exposed for its query plan in tests). */
  searchQuery(q: SearchQuery, useIndex = true) {
    // The API refuses more words (SearchText); the cap keeps any caller under SQLite's 100 parameters.
    const words = [...new Set((q.q ?? "").split(/\s+/).filter(Boolean))].slice(0, MAX_SEARCH_WORDS);
    const indexed = useIndex ? words.filter((w) => [...w].length >= 3) : [];
    const short = words.filter((w) => !indexed.includes(w));
    // Each word a quoted FTS5 string: operators and punctuation in it are plain text.
    const match = indexed.map((w) => `"${w.replaceAll('"', '""')}"`).join(" AND ");
    const filters = [
      isNull(messages.deletedAt),
      ...short.map((w) => or(contains(messages.contentText, w), contains(messages.fileName, w))),
      q.sender_id !== undefined ? eq(messages.senderId, q.sender_id) : undefined,
      q.since !== undefined ? gte(messages.sentAt, q.since) : undefined,
      q.until !== undefined ? lt(messages.sentAt, q.until) : undefined,
      q.before !== undefined ? lt(messages.id, q.before) : undefined,
      q.cleared ? gt(messages.id, q.cleared) : undefined,
    ];
    // With words to look up, the index drives: FTS5 yields its matches newest first (rowid DESC)
    // and the scan stops at `limit`, so a word in every message costs a page, not the whole room.
    return match
      ? this.db
          .select(getTableColumns(messages))
          .from(sql`messages_fts`)
          .innerJoin(messages, sql`${messages.id} = messages_fts.rowid`)
          .where(and(sql`messages_fts MATCH ${match}`, q.before !== undefined ? sql`messages_fts.rowid < ${q.before}` : undefined, ...filters))
          .orderBy(sql`messages_fts.rowid DESC`)
          .limit(q.limit)
      : this.db
          .select()
          .from(messages)
          .where(and(...filters))
          .orderBy(desc(messages.id))
          .limit(q.limit);
  }

  /** REST typing (POST /chat-rooms/{id}/typing), for clients without a socket: as a typing frame. */
  typing(actor: Actor, isTyping: boolean): void {
    if (this.destroyed) return;
    this.setTyping(actor, isTyping);
    this.fanout.flush();
  }

  /** One message, as history renders it. */
  message(messageId: number, viewer?: number, cleared = 0): ChatMessage | null {
    if (messageId <= cleared) return null;
    const row = this.q.byId.get({ id: messageId });
    return row ? this.renderAll([row], viewer)[0] : null;
  }

  // ---------------------------------------------------------------- RPC: reactions

  /**
   * Adds or removes the actor's emoji on a message. Asking for what is already so (adding twice,
   * removing what is not there) changes nothing and broadcasts nothing: a retry is safe. A change is
   * broadcast as a `reaction` frame with the message's new tallies. `cleared`: the actor cleared
   * their history up to there, and those messages are not theirs to see (404).
   */
  react(actor: Actor, messageId: number, emoji: string, add: boolean, cleared = 0, activeVersion?: number): Reacted | Refusal {
    if (this.destroyed) return roomDeleted();
    this.activeInD1(activeVersion);
    const row = messageId > cleared ? this.q.byId.get({ id: messageId }) : undefined;
    if (!row || row.deletedAt) return refuse(404, "message_not_found", "Message not found");
    if (this.archived()) return roomArchived();
    // Every call spends, a repeat included: each one reads the message's tallies back.
    const wait = this.limiter.take(actor.id);
    if (wait) return refuse(429, "rate_limited", `Too many changes; retry in ${wait}s`, wait);
    const mine = this.db
      .select({ emoji: reactions.emoji })
      .from(reactions)
      .where(and(eq(reactions.messageId, messageId), eq(reactions.userId, actor.id)))
      .all();
    if (add === mine.some((m) => m.emoji === emoji)) return { ok: true, changed: false, message: this.renderAll([row], actor.id)[0] };
    if (add) {
      if (this.postingBlocked()) return refuse(403, "cannot_message", "You cannot send messages in this conversation");
      if (mine.length >= MAX_EMOJI_PER_USER)
        return refuse(409, "too_many_reactions", `One user can put at most ${MAX_EMOJI_PER_USER} different reactions on a message`);
      const kinds = this.db
        .select({ n: sql<number>`count(DISTINCT ${reactions.emoji})`, has: sql<number>`max(${reactions.emoji} = ${emoji})` })
        .from(reactions)
        .where(eq(reactions.messageId, messageId))
        .get();
      if (kinds && kinds.n >= MAX_EMOJI_PER_MESSAGE && !kinds.has)
        return refuse(409, "too_many_reactions", `A message holds at most ${MAX_EMOJI_PER_MESSAGE} different reactions`);
    }
    if (add)
      this.db.insert(reactions).values({ messageId, emoji, userId: actor.id, username: actor.username, createdAt: new Date().toISOString() }).run();
    else this.db.delete(reactions).where(and(eq(reactions.messageId, messageId), eq(reactions.userId, actor.id), eq(reactions.emoji, emoji))).run();
    const [message] = this.renderAll([row], actor.id);
    this.fanout.broadcast(reactionFrame(message, emoji, actor, add));
    this.fanout.flush();
    return { ok: true, changed: true, message };
  }

  /** Who reacted to a message, in the order they did; `emoji` narrows it to one. */
  reactors(messageId: number, q: ReactionQuery, cleared = 0): { ok: true; reactions: Reactor[] } | Refusal {
    const row = messageId > cleared ? this.q.byId.get({ id: messageId }) : undefined;
    if (!row || row.deletedAt) return refuse(404, "message_not_found", "Message not found");
    const rows = this.db
      .select()
      .from(reactions)
      .where(
        and(
          eq(reactions.messageId, messageId),
          q.emoji !== undefined ? eq(reactions.emoji, q.emoji) : undefined,
          q.after !== undefined ? gt(reactions.id, q.after) : undefined,
        ),
      )
      .orderBy(asc(reactions.id))
      .limit(q.limit)
      .all();
    return { ok: true, reactions: rows.map((r) => ({ id: r.id, emoji: r.emoji, user: { id: r.userId, username: r.username }, created_at: r.createdAt })) };
  }

  /** Highest message id, for validating read positions. */
  lastMessageId(): number {
    return this.bounds().last;
  }

  online(): { id: number; username: string; display_name: string | null }[] {
    return this.sockets.users().map((s) => ({ id: s.id, username: s.username, display_name: s.display_name }));
  }

  /** Drops messages older than the newest `keep`; later `since`/`after` below them get a gap. */
  prune(keep: number): number {
    const { oldest, last } = this.bounds();
    if (last - oldest + 1 <= keep) return 0;
    // Returns only a count: RETURNING every pruned row would read them all back.
    const before = this.db.select({ n: sql<number>`count(*)` }).from(messages).get()?.n ?? 0;
    this.db.delete(messages).where(lte(messages.id, last - keep)).run();
    this.db.delete(reactions).where(lte(reactions.messageId, last - keep)).run();
    return before - keep;
  }

  /**
   * Drops messages sent more than `days` ago (HISTORY_RETENTION_DAYS). Ids follow send time, so
   * this is the oldest ids up to the newest expired one (messages_sent_at_idx), and later
   * `since`/`after` below them get a gap as with count-based pruning.
   */
  pruneOlderThan(days: number, now = Date.now(), max = Infinity): number {
    const cutoff = new Date(now - days * DAY_MS).toISOString();
    const expired = this.db.select({ id: sql<number | null>`max(${messages.id})` }).from(messages).where(lt(messages.sentAt, cutoff)).get()?.id;
    if (!expired) return 0;
    const upTo = Math.min(expired, this.bounds().oldest + max - 1);
    const n = this.db.select({ n: sql<number>`count(*)` }).from(messages).where(lte(messages.id, upTo)).get()?.n ?? 0;
    this.db.delete(messages).where(lte(messages.id, upTo)).run();
    this.db.delete(reactions).where(lte(reactions.messageId, upTo)).run();
    return n;
  }

  /**
   * When retention next has work (Infinity: never): the rest of a backlog a second after a step,
   * else the oldest kept message's expiry, but never sooner than an hour away, so a room idle
   * since a busy day wakes hourly to prune, not once per expiring message.
   */
  private retentionDue(): number {
    const days = retentionDays(this.env);
    if (!days) return Infinity;
    const more = this.getMeta("prune_more");
    if (more !== undefined) return Number(more);
    const oldest = this.db.select({ sentAt: messages.sentAt }).from(messages).orderBy(asc(messages.id)).limit(1).get();
    return oldest ? Math.max(Date.parse(oldest.sentAt) + days * DAY_MS, Date.now() + RETENTION_STEP_MS) : Infinity;
  }

  // ---------------------------------------------------------------- RPC: membership

  /**
   * A direct chat whose two users block each other (either way) takes no messages. `version` is
   * D1's block version (see syncDirectChatBlock); an older one than the room holds is ignored.
   * Returns whether it was applied.
   */
  setPostingBlocked(blocked: boolean, version: number): boolean {
    return this.setFlag("blocked", blocked, version);
  }

  /** The room was archived or reactivated; `version` is D1's archive_version (older ones are ignored). */
  setArchived(archived: boolean, version: number): boolean {
    return this.setFlag("archived", archived, version);
  }

  /**
   * A REST call the worker let through found the room active in D1 at `version` (archive_version):
   * if this object holds an older state (a reactivation call that was lost), it catches up.
   */
  private activeInD1(version: number | undefined) {
    if (version !== undefined && version > 0) this.setFlag("archived", false, version);
  }

  /** A state D1 owns and this object enforces, applied only if newer than the copy it holds. */
  private setFlag(flag: "blocked" | "archived", on: boolean, version: number): boolean {
    if (this.destroyed) return false;
    if (version <= Number(this.getMeta(`${flag}_version`) ?? 0)) return false;
    this.setMeta(`${flag}_version`, String(version));
    this.setMeta(flag, on ? "1" : "0");
    this.cache[flag] = on;
    // Whoever was typing stops now, not when their indicator would have expired.
    if (on) for (const t of this.db.select({ userId: typing.userId }).from(typing).all()) this.stopTyping(t.userId);
    this.fanout.flush();
    return true;
  }

  /** The health check's round trip: answers from this object's own storage. */
  ping(): { ok: true; at: number } {
    this.ctx.storage.sql.exec("SELECT 1").toArray();
    return { ok: true, at: Date.now() };
  }

  /** Closes a user's sockets: 4003 when they left the room, 4001 when their tokens were revoked. */
  kick(userId: number, code: 4001 | 4003 = 4003, reason = "removed from room"): number {
    if (this.destroyed) return 0;
    // Remembered, so an upgrade the worker admitted just before the removal is refused here.
    this.setMeta(`revoked:${userId}`, String(Date.now()));
    const gone = this.sockets.removeUser(userId);
    const sockets = this.ctx.getWebSockets(`u:${userId}`);
    for (const ws of sockets) {
      const a = attachment(ws);
      // Marked as gone so their close handlers do no second round of presence bookkeeping.
      if (a) ws.serializeAttachment({ ...a, left: true });
      safeClose(ws, code, reason);
    }
    if (gone) this.userLeft(gone.info);
    this.fanout.flush();
    return sockets.length;
  }

  /** A session ended (logout, revoked, refresh reuse): close the user's sockets opened in it with 4001. */
  kickSession(userId: number, sessionId: string, reason = "signed out"): number {
    if (this.destroyed) return 0;
    // Remembered, so an upgrade of this session admitted just before is refused here.
    this.endedSessions.set(sessionId, Date.now());
    let closed = 0;
    for (const ws of this.ctx.getWebSockets(`u:${userId}`)) {
      const a = attachment(ws);
      if (!a || a.left || a.sid !== sessionId) continue;
      this.closeSocket(ws, 4001, reason);
      closed++;
    }
    this.fanout.flush();
    return closed;
  }

  /** Closes the sockets whose token or session has expired (they stopped receiving at expiry: fanout.ts). */
  private closeExpired(now = Date.now()) {
    for (const [ws, info] of [...this.sockets.entries()]) if (info.exp !== undefined && info.exp <= now) this.closeSocket(ws, 4001, "token expired");
  }

  /** The room was deleted: close every socket (4004) and forget everything, alarm included. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const ws of this.ctx.getWebSockets()) {
      const a = attachment(ws);
      if (a) ws.serializeAttachment({ ...a, left: true });
      safeClose(ws, 4004, "room deleted");
    }
    this.sockets.clear();
    this.fanout.clear();
    this.cache = {};
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // Leave this instance in the state a fresh object would have: empty tables, no room id.
    await migrate(this.db, bundle);
  }

  // ---------------------------------------------------------------- WebSocket

  async fetch(request: Request): Promise<Response> {
    const raw = request.headers.get(ADMISSION_HEADER);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !raw)
      return new Response("WebSocket upgrades only", { status: 426 });
    const admission = JSON.parse(raw) as Admission;
    if (this.destroyed) return roomDeletedResponse();
    const user = admission.user;
    // The worker checked membership, but a removal can land between its check and this upgrade:
    // look again, and refuse if a kick for this user arrived while we looked.
    // The same read also brings a direct chat's block state with its version, so a block sync that
    // was lost on the way (setPostingBlocked) is made good by the next socket that connects.
    const startedAt = Date.now();
    const member = await this.env.DB.prepare(
      `SELECT r.block_version AS version, CASE WHEN r.kind = 'direct' AND r.block_version > 0 THEN EXISTS (
           SELECT 1 FROM room_members o JOIN blocks b ON (b.blocker_id = o.user_id AND b.blocked_id = ?2) OR (b.blocker_id = ?2 AND b.blocked_id = o.user_id)
           WHERE o.room_id = r.id AND o.user_id <> ?2) ELSE 0 END AS blocked
            , u.token_version AS tokenVersion, r.archived_at IS NOT NULL AS archived, r.archive_version AS archiveVersion
            , EXISTS (SELECT 1 FROM sessions s WHERE s.id = ?3 AND s.user_id = ?2) AS session
       FROM room_members m JOIN rooms r ON r.id = m.room_id JOIN users u ON u.id = m.user_id
       WHERE m.room_id = ?1 AND m.user_id = ?2 AND m.status = 'active'`,
    )
      .bind(this.roomId, user.id, admission.session_id)
      .first<{ version: number; blocked: number; tokenVersion: number; archived: number; archiveVersion: number; session: number }>();
    if (this.destroyed) return roomDeletedResponse();
    // The password changed, or the session ended, between the worker's token check and here (its
    // sockets were just closed).
    if (member && (member.tokenVersion !== admission.token_version || !member.session || (this.endedSessions.get(admission.session_id) ?? 0) >= startedAt))
      return Response.json({ detail: "Invalid or expired token", code: "unauthorized" }, { status: 401 });
    if (!member || Number(this.getMeta(`revoked:${user.id}`) ?? 0) >= startedAt)
      return Response.json({ detail: "You are not a member of this room", code: "not_a_member" }, { status: 403 });
    if (member.version > 0) this.setPostingBlocked(!!member.blocked, member.version);
    // Likewise an archive change whose call was lost.
    if (member.archiveVersion > 0) this.setArchived(!!member.archived, member.archiveVersion);
    const { oldest, last } = this.bounds();
    // A resume point past the newest message is the client's mistake, not an empty replay: it would
    // go on to take the ids up to it for ones already seen.
    if (admission.since !== null && admission.since > last)
      return Response.json({ detail: `since is after the room's last message (${last})`, code: "invalid_since" }, { status: 400 });
    const wasOnline = this.sockets.has(user.id);

    // Frames queued before this socket existed are not for it (replay covers their messages).
    this.fanout.flush();
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, [`u:${user.id}`]);
    const info: SocketInfo = {
      id: user.id,
      username: user.username,
      display_name: user.display_name,
      sid: admission.session_id,
      exp: admission.expires_at,
      ...(admission.batch && !admission.shape && { batch: true }),
      ...(admission.shape && { shape: admission.shape }),
      ...(admission.cleared && { cleared: admission.cleared }),
    };
    server.serializeAttachment(info);
    this.sockets.add(server, info);

    this.fanout.send(server, {
      type: "connection_established",
      message: "connected",
      room_id: this.roomId,
      user: ref(user),
      last_message_id: last,
      oldest_message_id: Math.max(oldest, (admission.cleared ?? 0) + 1),
      online: this.sockets.users().map(ref),
    });
    // Everything below runs in this one turn: no live message can slip between replay and live.
    // A resume from before what this user cleared starts where their history now starts.
    if (admission.since !== null) this.replay(server, Math.max(admission.since, admission.cleared ?? 0), oldest, last, admission.batch, user.id);
    if (!wasOnline) {
      this.db.delete(meta).where(eq(meta.key, `left:${user.id}`)).run();
      this.fanout.broadcast({ type: "user_join", user: ref(user) }, server);
      this.scheduleSummary();
    }
    // A room idle since before retention was switched on has no alarm: its first socket sets one.
    if (retentionDays(this.env) && (await this.ctx.storage.getAlarm()) === null) this.rescheduleAlarm();
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    try {
      await this.onFrame(ws, data);
    } catch (err) {
      // The sender hears that it failed; the socket and the room carry on.
      this.logError("websocket frame failed", err, { user_id: attachment(ws)?.id ?? null });
      this.fanout.send(ws, { type: "error", code: "internal_error", message: "The frame could not be handled; try again" });
    }
  }

  private async onFrame(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const me = attachment(ws);
    if (!me || me.left) return;
    // Its token or session has expired: the socket goes, with the others that have.
    if (me.exp !== undefined && me.exp <= Date.now()) return this.closeExpired();
    const size = typeof data === "string" ? new TextEncoder().encode(data).byteLength : data.byteLength;
    if (size > MAX_FRAME_BYTES) return this.closeSocket(ws, 1009, "frame too large");
    if (typeof data !== "string") return this.refused(ws, refuse(400, "binary_not_supported", "Frames must be JSON text"));

    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.refused(ws, refuse(400, "invalid_json", "Frame is not valid JSON"));
    }
    // A reference document's frame is read as the canonical one it means.
    if (me.shape) {
      const read = SHAPES[me.shape].read(json, this.roomId);
      if ("ignore" in read) return;
      if ("error" in read) return this.refused(ws, refuse(400, read.code, read.error));
      json = read.frame;
    }
    const parsed = ClientFrame.safeParse(withAliases(json));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      return this.refused(ws, refuse(400, "invalid_frame", `${where}${issue?.message ?? "invalid frame"}`));
    }
    const frame = parsed.data;
    const actor: Actor = { id: me.id, username: me.username, display_name: me.display_name };
    switch (frame.type) {
      case "ping":
        return this.fanout.send(ws, { type: "pong" });
      case "typing":
        return this.setTyping(actor, frame.is_typing);
      case "read": {
        // Each read frame is a D1 write, limited on its own: reads never cost a message, and an
        // over-eager client (one read per message received) is told to slow down, not closed.
        const wait = this.readLimiter.take(actor.id);
        if (wait)
          return this.fanout.send(ws, { type: "error", code: "rate_limited", message: `Too many read frames; send the latest id, retry in ${wait}s`, retry_after: wait });
        // D1 can fail here: the client hears so (and may send the frame again); the socket stays open.
        const result = await this.markRead(actor, frame.message_id).catch((err: unknown) => {
          this.logError("read frame: the read position was not recorded", err, { user_id: actor.id });
          return { ok: false as const, code: "unavailable", detail: "The read position could not be recorded; send the frame again" };
        });
        if (!result.ok) this.fanout.send(ws, { type: "error", code: result.code, message: result.detail });
        return;
      }
      case "chat_message": {
        if (frame.file_id || frame.media_url || (frame.message_type !== "text" && frame.message_type !== "location"))
          return this.refused(ws, refuse(400, "use_rest", "Send media messages with POST /chat-rooms/{id}/messages"));
        const result = this.store(actor, frame);
        if (!result.ok) return this.refused(ws, result);
        // A retried client_id: the sender gets its original message again, nobody else hears of it.
        if (result.duplicate) this.fanout.send(ws, { type: "chat_message", message: result.message });
        return;
      }
      case "reaction": {
        const add = frame.action === "add";
        const result = this.react(actor, frame.message_id, frame.emoji, add, me.cleared);
        if (!result.ok) return this.refused(ws, result);
        // Nothing changed (a retry): only the asker hears how things stand.
        if (!result.changed) this.fanout.send(ws, reactionFrame(result.message, frame.emoji, actor, add));
        return;
      }
      default: {
        const never: never = frame;
        return never;
      }
    }
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    closeBack(ws, code, reason);
    this.socketGone(ws);
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    this.socketGone(ws);
  }

  // ---------------------------------------------------------------- alarm: typing expiry + summary

  async alarm(): Promise<void> {
    try {
      await this.onAlarm();
    } catch (err) {
      this.logError("alarm failed", err);
      throw err; // the runtime retries a failed alarm
    }
  }

  private async onAlarm(): Promise<void> {
    if (this.destroyed) return;
    const now = Date.now();
    this.closeExpired(now);
    for (const t of this.db.delete(typing).where(lte(typing.expiresAt, now)).returning().all())
      this.fanout.broadcast({ type: "typing", user: { id: t.userId, username: t.username }, is_typing: false }, t.userId);
    this.cache.typing = undefined;
    // The summary goes out when it is due, not with whatever else woke us first (a typing expiry,
    // an index step): that keeps a room to one D1 summary write a second however busy it is.
    const due = this.getMeta("summary_due");
    if (due !== undefined && Number(due) <= now) {
      // Retention rides on the summary alarm: at most one prune per second of activity.
      const keep = Number(this.env.HISTORY_RETENTION_MESSAGES) || 0;
      if (keep > 0) this.prune(keep);
      await this.flushSummary();
    }
    // Time-based retention, after the summary (a big first prune never holds it up), in bounded
    // steps: what is left of a backlog goes at the next step, a second later.
    const days = retentionDays(this.env);
    this.db.delete(meta).where(eq(meta.key, "prune_more")).run();
    if (days && this.pruneOlderThan(days, now, PRUNE_BATCH) === PRUNE_BATCH) this.setMeta("prune_more", String(Date.now() + INDEX_PAUSE_MS));
    // The search index follows the log in bounded batches, after the summary, so a long backlog
    // never holds the summary up and no single event runs long.
    this.db.delete(meta).where(eq(meta.key, "index_due")).run();
    if (!this.indexForSearch()) this.setMeta("index_due", String(Date.now() + INDEX_PAUSE_MS));
    this.rescheduleAlarm();
  }

  // ---------------------------------------------------------------- internals

  private replay(ws: WebSocket, since: number, oldest: number, last: number, batch: boolean, viewer: number) {
    const frames: ServerFrame[] = [];
    if (oldest > 0 && since < oldest - 1)
      frames.push({ type: "gap", from_id: since + 1, to_id: oldest - 1, kind: "pruned", reason: "older messages are no longer kept" });
    // A long absence replays only the newest REPLAY_MAX messages: the rest is said explicitly, for
    // the client to page through REST (?after=), rather than one turn holding up the whole room.
    if (last - Math.max(since, oldest - 1) > REPLAY_MAX) {
      const skipTo = last - REPLAY_MAX;
      frames.push({ type: "gap", from_id: Math.max(since + 1, oldest), to_id: skipTo, kind: "truncated", reason: "too many to replay; fetch them with GET /messages?after=" });
      since = skipTo;
    }
    for (let from = since; from < last; ) {
      const rows = this.db.select().from(messages).where(gt(messages.id, from)).orderBy(asc(messages.id)).limit(REPLAY_PAGE).all();
      if (!rows.length) break;
      for (const message of this.renderAll(rows, viewer)) frames.push({ type: "chat_message", message });
      from = rows[rows.length - 1].id;
    }
    frames.push({ type: "replay_done", last_message_id: last });
    this.fanout.sendAll(ws, frames, batch);
  }

  /** A direct chat under a block (setPostingBlocked) takes no messages and shows no typing. */
  private postingBlocked(): boolean {
    return (this.cache.blocked ??= this.getMeta("blocked") === "1");
  }

  /** An archived room (setArchived) is read-only: no messages, edits, reactions or typing. */
  private archived(): boolean {
    return (this.cache.archived ??= this.getMeta("archived") === "1");
  }

  private setTyping(actor: Actor, isTyping: boolean) {
    if (isTyping && (this.postingBlocked() || this.archived())) return;
    if (isTyping) {
      const now = Date.now();
      // Keystroke-rate typing frames are folded: a typist is re-announced at most every
      // TYPING_REFRESH_MS, which keeps other clients' TYPING_TTL_MS expiry from lapsing.
      const current = this.typingCount() ? this.db.select().from(typing).where(eq(typing.userId, actor.id)).get() : undefined;
      if (current && current.expiresAt - TYPING_TTL_MS > now - TYPING_REFRESH_MS) return;
      if (!current && this.typingLimiter.take(actor.id)) return;
      const expiresAt = now + TYPING_TTL_MS;
      this.db
        .insert(typing)
        .values({ userId: actor.id, username: actor.username, expiresAt })
        .onConflictDoUpdate({ target: typing.userId, set: { expiresAt } })
        .run();
      this.cache.typing = undefined;
      this.rescheduleAlarm();
      this.fanout.broadcast({ type: "typing", user: ref(actor), is_typing: true, expires_in_ms: TYPING_TTL_MS }, actor.id);
    } else {
      // A stop is only announced after an accepted start, so limiting starts bounds both.
      this.stopTyping(actor.id);
    }
  }

  private stopTyping(userId: number) {
    if (this.typingCount() === 0) return;
    const gone = this.db.delete(typing).where(eq(typing.userId, userId)).returning().get();
    if (gone) this.cache.typing = this.typingCount() - 1;
    if (gone) this.fanout.broadcast({ type: "typing", user: { id: gone.userId, username: gone.username }, is_typing: false }, userId);
  }

  /** Server-side close: the socket stops counting at once, not when the client answers. */
  private closeSocket(ws: WebSocket, code: number, reason: string) {
    const a = attachment(ws);
    if (a) ws.serializeAttachment({ ...a, left: true });
    safeClose(ws, code, reason);
    this.socketGone(ws);
  }

  private socketGone(ws: WebSocket) {
    const gone = this.sockets.remove(ws);
    if (!gone?.last) return;
    // Two tabs that closed while the object hibernated both wake it as unknown sockets: the user
    // leaves once, remembered in storage until their next first socket (see fetch).
    if (gone.unindexed) {
      if (this.getMeta(`left:${gone.info.id}`)) return;
      this.setMeta(`left:${gone.info.id}`, "1");
    }
    this.userLeft(gone.info);
  }

  /** The user's last socket went away (or they were kicked): tell the others once, not per tab. */
  private userLeft(user: SocketInfo) {
    this.stopTyping(user.id);
    this.fanout.broadcast({ type: "user_leave", user: ref(user) });
    this.scheduleSummary();
  }

  /**
   * A refused frame (not JSON, binary, unknown or malformed, refused by the room's rules or its
   * rate limit): an error frame, and it counts towards the abuse close (1008), so no client keeps
   * the room busy answering junk. Frames over MAX_FRAME_BYTES close at once (1009); read frames
   * over their own budget are only told to slow down (a client acknowledging every message of a
   * busy room is not abusive, and such a refusal costs the room nothing but the answer).
   */
  private refused(ws: WebSocket, r: Refusal) {
    this.fanout.send(ws, { type: "error", code: r.code, message: r.detail, ...(r.retry_after && { retry_after: r.retry_after }) });
    this.countAbuse(ws);
  }

  private countAbuse(ws: WebSocket) {
    const now = Date.now();
    const prior = this.abuse.get(ws);
    const n = prior && now - prior.since < ABUSE_WINDOW_MS ? prior.n + 1 : 1;
    this.abuse.set(ws, { n, since: n === 1 ? now : prior!.since });
    if (n < ABUSE_LIMIT) return;
    const who = attachment(ws);
    if (who) this.limiter.penalize(who.id);
    this.closeSocket(ws, 1008, "too many refused frames");
  }

  /**
   * Messages as clients see them, with what they quote and what answers and reacts to them: three
   * queries for the whole page (quoted messages, reply counts, reactions), whatever its size. The
   * ids go in as one JSON parameter (the storage binds at most 100). `viewer` marks their reactions.
   */
  private renderAll(rows: MessageRow[], viewer?: number): ChatMessage[] {
    if (!rows.length) return [];
    const q = this.pageQueries(
      rows.map((r) => r.id),
      [...new Set(rows.flatMap((r) => (r.replyToId ? [r.replyToId] : [])))],
      viewer,
    );
    const quoted = new Map(q.quoted ? q.quoted.all().map((m) => [m.id, m]) : []);
    const replies = new Map(q.replies.all().map((r) => [r.id, r.n]));
    const tallies = new Map<number, ReactionCount[]>();
    for (const t of q.tallies.all()) {
      const list = tallies.get(t.messageId) ?? [];
      list.push({ emoji: t.emoji, count: t.count, ...(viewer !== undefined && { me: t.me === 1 }) });
      tallies.set(t.messageId, list);
    }
    return rows.map((r) =>
      this.render(r, { replyTo: r.replyToId ? quoted.get(r.replyToId) : undefined, replyCount: replies.get(r.id) ?? 0, reactions: tallies.get(r.id) ?? [] }),
    );
  }

  /** renderAll's three statements (exposed for their query plans in tests). */
  pageQueries(ids: number[], quotedIds: number[], viewer?: number) {
    const page = JSON.stringify(ids);
    return {
      quoted: quotedIds.length
        ? this.db
            .select()
            .from(messages)
            .where(sql`${messages.id} IN (SELECT value FROM json_each(${JSON.stringify(quotedIds)}))`)
        : undefined,
      replies: this.db
        .select({ id: messages.replyToId, n: sql<number>`count(*)` })
        .from(messages)
        .where(and(sql`${messages.replyToId} IN (SELECT value FROM json_each(${page}))`, isNull(messages.deletedAt)))
        .groupBy(messages.replyToId),
      tallies: this.db
        .select({
          messageId: reactions.messageId,
          emoji: reactions.emoji,
          count: sql<number>`count(*)`,
          me: sql<number>`max(${reactions.userId} = ${viewer ?? 0})`,
        })
        .from(reactions)
        .where(sql`${reactions.messageId} IN (SELECT value FROM json_each(${page}))`)
        .groupBy(reactions.messageId, reactions.emoji)
        .orderBy(reactions.messageId, sql`min(${reactions.id})`),
    };
  }

  /** One message, given what renderAll looks up for it. */
  private render(r: MessageRow, extra: { replyTo: MessageRow | undefined; replyCount: number; reactions: ReactionCount[] }): ChatMessage {
    const deleted = r.deletedAt !== null;
    const q = extra.replyTo;
    return {
      id: r.id,
      room_id: this.roomId,
      sender_id: r.senderId,
      sender_name: r.senderName,
      content_text: deleted ? null : r.contentText,
      message_type: r.messageType,
      media_url: r.fileId && !r.mediaRemoved && !deleted ? signedFileUrl(this.env, r.fileId) : null,
      file_id: r.fileId,
      file_name: r.fileName,
      file_size: r.fileSize,
      content_type: r.contentType,
      width: r.width,
      height: r.height,
      media_removed: r.mediaRemoved,
      location: r.location && !deleted ? (JSON.parse(r.location) as Location) : null,
      reply_to_id: r.replyToId,
      reply_to: q ? { id: q.id, sender_id: q.senderId, sender_name: q.senderName, preview: q.deletedAt ? null : preview(q), deleted: q.deletedAt !== null } : null,
      reply_count: extra.replyCount,
      reactions: extra.reactions,
      client_id: r.clientId,
      sent_at: r.sentAt,
      edited_at: r.editedAt,
      deleted,
    };
  }

  private bounds(): { oldest: number; last: number } {
    const row = this.db
      .select({ oldest: sql<number | null>`min(${messages.id})`, last: sql<number | null>`max(${messages.id})` })
      .from(messages)
      .get();
    // After pruning everything, max() is null but ids must keep counting from the sequence.
    const seq = row?.last ?? this.ctx.storage.sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").toArray()[0]?.seq ?? 0;
    return { oldest: row?.oldest ?? seq + 1, last: seq };
  }

  /** Errors name the room, so an operator can find its other log lines and its object. */
  private logError(msg: string, err: unknown, fields: LogFields = {}) {
    log("error", msg, { room_id: this.roomId || null, ...fields, ...errorFields(err) });
  }

  private typingCount(): number {
    return (this.cache.typing ??= this.db.select({ n: sql<number>`count(*)` }).from(typing).get()?.n ?? 0);
  }

  /**
   * Adds up to INDEX_BATCH messages sent since the last call to the search index, in one statement
   * (one FTS5 segment per batch instead of one per send). Runs from the alarm and before a search.
   * Returns whether the index has caught up with the log.
   */
  private indexForSearch(): boolean {
    const done = Number(this.getMeta("search_indexed") ?? 0);
    const { last } = this.bounds();
    if (last <= done) return true;
    const upTo = Math.min(last, done + INDEX_BATCH);
    this.ctx.storage.sql.exec(
      "INSERT INTO messages_fts(rowid, content_text, file_name) SELECT id, content_text, file_name FROM messages WHERE id > ? AND id <= ?",
      done,
      upTo,
    );
    this.setMeta("search_indexed", String(upTo));
    return upTo === last;
  }

  private getMeta(key: string): string | undefined {
    return this.db.select().from(meta).where(eq(meta.key, key)).get()?.value;
  }

  private setMeta(key: string, value: string) {
    this.db.insert(meta).values({ key, value }).onConflictDoUpdate({ target: meta.key, set: { value } }).run();
  }

  /** Write-behind: at most one D1 summary write per room per SUMMARY_DELAY_MS. */
  private scheduleSummary() {
    if ((this.cache.summaryDue ??= this.getMeta("summary_due") !== undefined)) return;
    this.setMeta("summary_due", String(Date.now() + SUMMARY_DELAY_MS));
    this.cache.summaryDue = true;
    this.rescheduleAlarm();
  }

  private rescheduleAlarm() {
    const due = Math.min(Number(this.getMeta("summary_due") ?? Infinity), Number(this.getMeta("index_due") ?? Infinity));
    const typingDue = this.db.select({ at: sql<number | null>`min(${typing.expiresAt})` }).from(typing).get()?.at ?? Infinity;
    const next = Math.min(due, typingDue, this.retentionDue());
    if (next === Infinity) return;
    // `next` is the earliest thing any reason needs, so replacing the schedule never delays one.
    void this.ctx.storage.setAlarm(next);
  }

  private async flushSummary() {
    const roomId = this.roomId;
    if (!roomId) {
      // Not named for a room (the health check's object): nothing to write, so drop the request
      // rather than re-arm for ever.
      this.db.delete(meta).where(eq(meta.key, "summary_due")).run();
      return;
    }
    const { last } = this.bounds();
    const lastRow = last ? this.q.byId.get({ id: last }) : undefined;
    const flushed = Number(this.getMeta("flushed_id") ?? 0);
    // One pass over the messages since the last write: a sender has read everything up to their
    // own latest message, and mentions become notifications (one statement for all of them).
    const fresh = this.db
      .select({ id: messages.id, senderId: messages.senderId, senderName: messages.senderName, text: messages.contentText, type: messages.messageType, deletedAt: messages.deletedAt })
      .from(messages)
      .where(gt(messages.id, flushed))
      .orderBy(asc(messages.id))
      .all();
    const reads = new Map<number, number>();
    // An admin broadcast is not something its sender read in this room.
    for (const m of fresh) if (m.type !== "system") reads.set(m.senderId, m.id);
    const mentions = fresh
      // An admin broadcast reaches many rooms: its @names would notify once per room.
      .filter((m) => !m.deletedAt && m.type !== "system" && m.text?.includes("@"))
      .map((m) => ({ message_id: m.id, sender_id: m.senderId, sender_name: m.senderName, preview: m.text!.slice(0, PREVIEW_CHARS), names: mentionsIn(m.text) }))
      .filter((m) => m.names.length);
    const now = new Date().toISOString();
    // Sorted, so the same set compares equal to the last one written whatever order sockets woke in.
    const online = JSON.stringify(this.sockets.users().map((u) => u.id).sort((x, y) => x - y));
    // A write whose reply was lost is written again with the same messages: what it adds (mentions,
    // the day's count) is measured against the room row's own last_message_id, which only this
    // write moves, so the second time adds nothing. Mentions therefore go before the row's update.
    const stmts: D1PreparedStatement[] = [
      ...(mentions.length ? [this.env.DB.prepare(MENTIONS_SQL).bind(JSON.stringify(mentions), roomId)] : []),
      this.env.DB.prepare(
        `UPDATE rooms SET last_message_id = max(last_message_id, ?1), last_message_sender = ?2, last_message_content = ?3,
           last_activity_at = CASE WHEN ?1 > last_message_id THEN ?4 ELSE last_activity_at END, online_count = ?5,
           online_user_ids = CASE WHEN kind = 'direct' THEN ?7 ELSE NULL END,
           day_messages = CASE WHEN messages_day = ?8 THEN day_messages ELSE 0 END + max(0, ?1 - last_message_id), messages_day = ?8
         WHERE id = ?6`,
      ).bind(
        last,
        lastRow?.senderName ?? null,
        lastRow ? preview(lastRow) : null,
        lastRow?.sentAt ?? now,
        this.sockets.userCount,
        roomId,
        online,
        now.slice(0, 10),
      ),
      // Per-member presence, for "who is online" across rooms, when it changed since the last
      // write: the online rows that went offline (room_members_room_online_idx), then the sockets'
      // users by key. Never a scan of the room's whole membership.
      ...(online === this.getMeta("flushed_online")
        ? []
        : [
            this.env.DB.prepare(
              "UPDATE room_members SET online = 0 WHERE room_id = ?2 AND online = 1 AND user_id NOT IN (SELECT value FROM json_each(?1))",
            ).bind(online, roomId),
            this.env.DB.prepare(
              "UPDATE room_members SET online = 1 WHERE room_id = ?2 AND user_id IN (SELECT value FROM json_each(?1)) AND online = 0",
            ).bind(online, roomId),
          ]),
      ...[...reads].map(([userId, messageId]) =>
        this.env.DB.prepare(
          "UPDATE room_members SET last_read_message_id = max(last_read_message_id, ?1), last_active_at = ?2 WHERE room_id = ?3 AND user_id = ?4",
        ).bind(messageId, now, roomId, userId),
      ),
    ];
    // Marked done before the await, so messages arriving meanwhile schedule the next flush.
    this.db.delete(meta).where(eq(meta.key, "summary_due")).run();
    this.cache.summaryDue = false;
    let results: D1Result[];
    try {
      results = await this.env.DB.batch(stmts);
    } catch (err) {
      if (this.destroyed) return;
      // Due again; the throw makes the runtime retry the alarm.
      this.scheduleSummary();
      throw err;
    }
    // The mentioned users hear of it on their own sockets (the first statement's RETURNING).
    if (mentions.length) {
      const mentioned = [...new Set((results[0].results as { user_id: number }[]).map((r) => r.user_id))];
      this.ctx.waitUntil(pokeHubs(this.env, mentioned));
    }
    // Deleted while the write was out: its storage stays wiped.
    if (this.destroyed) return;
    // Members with their own socket open (/realtime/ws) hear of the new messages there too.
    const delivered = fresh.filter((m) => !m.deletedAt).slice(-USER_SOCKET_MESSAGES_MAX);
    if (delivered.length) {
      const rows = this.db.select().from(messages).where(and(gte(messages.id, delivered[0].id), isNull(messages.deletedAt))).orderBy(asc(messages.id)).all();
      this.ctx.waitUntil(deliverToUserSockets(this.env, roomId, this.renderAll(rows.slice(0, USER_SOCKET_MESSAGES_MAX))));
    }
    this.setMeta("flushed_id", String(last));
    this.setMeta("flushed_online", online);
  }
}

const ref = (u: { id: number; username: string }) => ({ id: u.id, username: u.username });

/** A reaction change, with the message's tallies as everyone sees them (no `me`). */
const reactionFrame = (message: ChatMessage, emoji: string, actor: Actor, add: boolean): ServerFrame => ({
  type: "reaction",
  message_id: message.id,
  emoji,
  user: ref(actor),
  action: add ? "add" : "remove",
  reactions: message.reactions.map(({ emoji, count }) => ({ emoji, count })),
});


const roomDeleted = () => refuse(404, "room_not_found", "This room was deleted");
const roomArchived = () => refuse(403, "room_archived", "This room is archived: it is read-only");

const DAY_MS = 86_400_000;
/** Retention prunes at most this many messages per alarm, at most hourly outside a backlog. */
const PRUNE_BATCH = 10_000;
const RETENTION_STEP_MS = 3_600_000;
const retentionDays = (env: Env) => Math.max(0, Number(env.HISTORY_RETENTION_DAYS) || 0);
const roomDeletedResponse = () => Response.json({ detail: "This room was deleted", code: "room_not_found" }, { status: 404 });

const preview = (r: MessageRow) => {
  if (r.deletedAt) return "(deleted)";
  if (r.contentText) return r.contentText.slice(0, PREVIEW_CHARS);
  const place = r.location ? (JSON.parse(r.location) as Location).name : null;
  return `[${r.messageType}]${r.fileName ? ` ${r.fileName}` : place ? ` ${place}` : ""}`;
};

/** The stored form of a location: every field present, in one order, so retries compare equal. */
const locationText = (l: NewMessage["location"]) =>
  l ? JSON.stringify({ latitude: l.latitude, longitude: l.longitude, name: l.name ?? null, address: l.address ?? null }) : null;

/**
 * What a send asked for, hashed (two 32-bit FNV-style hashes): a retry is the same send
 * whatever happened to the message since. Media counts by name, size and type, as a retried upload
 * arrives as a new file. Synchronous on purpose: the store path has no await (see store).
 */
function fingerprint(input: NewMessage): string {
  const a = input.attachment;
  const text = JSON.stringify([
    input.content_text?.trim() ? input.content_text : null,
    input.message_type,
    input.reply_to_id ?? null,
    locationText(input.location),
    a ? [a.file_name, a.file_size, a.content_type] : null,
  ]);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return `${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}`;
}

/**
 * For messages stored before fingerprints: a retry must repeat the message as it is now; the same
 * client_id with other content is a conflict.
 * A retried upload arrives as a new file, so media counts as the same when it is the same file or
 * has the same name, size and type.
 */
const sameMessage = (row: MessageRow, input: NewMessage) => {
  const a = input.attachment;
  const sameMedia = a
    ? row.fileId === a.file_id || (row.fileName === a.file_name && row.fileSize === a.file_size && row.contentType === a.content_type)
    : row.fileId === null;
  return (
    (row.contentText ?? null) === (input.content_text?.trim() ? input.content_text : null) &&
    row.messageType === input.message_type &&
    (row.replyToId ?? null) === (input.reply_to_id ?? null) &&
    (row.location ?? null) === locationText(input.location) &&
    sameMedia
  );
};
