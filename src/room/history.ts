// Reading the log: history pages (by offset, before or after an id), one message, and the
// replay a resuming socket gets. Ids are dense (never reused, only the oldest pruned), so every
// page is a primary-key range read of `limit` rows, whatever the room's size.
import { and, asc, desc, gt, gte, lt, lte, not } from "drizzle-orm";
import type { ChatMessage, ServerFrame } from "./protocol";
import type { Renderer } from "./render";
import { messages } from "./schema";
import type { RoomStorage } from "./storage";
import { threadOnly } from "./threads";

/** `cleared`: the reader cleared their history up to this id; nothing at or below it is returned. */
/** `withThreads`: thread-only replies too (by default the main timeline leaves them out: threads.ts). */
export type HistoryQuery = { limit: number; offset: number; before?: number; after?: number; cleared?: number; withThreads?: boolean };
export type History = { messages: ChatMessage[]; oldest_id: number; last_id: number; gap: { from_id: number; to_id: number } | null };

const REPLAY_PAGE = 500;
const REPLAY_MAX = 2_000;

export class HistoryReader {
  constructor(
    private readonly s: RoomStorage,
    private readonly render: Renderer,
  ) {}

  /** `viewer`: the user the page is for (their reactions are marked `me`). */
  page(q: HistoryQuery, viewer?: number): History {
    const bounds = this.s.bounds();
    const { last } = bounds;
    // What this reader cleared is, for them, as if the room never held it: no gap for it either.
    const oldest = Math.max(bounds.oldest, (q.cleared ?? 0) + 1);
    const rows = this.query(q, last).all();
    if (q.after === undefined) rows.reverse();
    const seen = Math.max(q.after ?? 0, q.cleared ?? 0);
    const gap = q.after !== undefined && bounds.oldest > 0 && seen < bounds.oldest - 1 ? { from_id: seen + 1, to_id: bounds.oldest - 1 } : null;
    return { messages: this.render.all(rows, viewer), oldest_id: oldest, last_id: last, gap };
  }

  /** The page query: offset becomes an id bound (exposed for its query plan in tests). */
  query(q: HistoryQuery, last = this.s.bounds().last) {
    const db = this.s.db;
    const floor = q.cleared ? gt(messages.id, q.cleared) : undefined;
    // Thread-only replies skipped: still one range read (ids stay the cursor; offset counts ids).
    const main = q.withThreads ? undefined : not(threadOnly);
    if (q.after !== undefined) {
      const from = Math.max(q.after, q.cleared ?? 0) + 1 + q.offset;
      return db
        .select()
        .from(messages)
        .where(and(gte(messages.id, from), q.before !== undefined ? lt(messages.id, q.before) : undefined, main))
        .orderBy(asc(messages.id))
        .limit(q.limit);
    }
    const top = q.before !== undefined ? q.before - 1 - q.offset : last - q.offset;
    return db.select().from(messages).where(and(lte(messages.id, top), floor, main)).orderBy(desc(messages.id)).limit(q.limit);
  }

  /** One message, as history renders it. */
  message(messageId: number, viewer?: number, cleared = 0): ChatMessage | null {
    if (messageId <= cleared) return null;
    const row = this.s.byId.get({ id: messageId });
    return row ? this.render.all([row], viewer)[0] : null;
  }

  /** What a socket resuming after `since` gets: gaps said explicitly, the messages, replay_done. */
  replay(since: number, oldest: number, last: number, viewer: number): ServerFrame[] {
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
      const rows = this.s.db.select().from(messages).where(gt(messages.id, from)).orderBy(asc(messages.id)).limit(REPLAY_PAGE).all();
      if (!rows.length) break;
      for (const message of this.render.all(rows, viewer)) frames.push({ type: "chat_message", message });
      from = rows[rows.length - 1].id;
    }
    frames.push({ type: "replay_done", last_message_id: last });
    return frames;
  }
}
