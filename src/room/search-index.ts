// Message search over the room's log: an FTS5 trigram index (messages_fts, migration 0002) that
// follows the log in batches (from the alarm and before a search, never per send), and the query.
import { and, desc, eq, getTableColumns, gt, gte, isNull, lt, or, sql } from "drizzle-orm";
import { contains } from "../db/like";
import { MAX_SEARCH_WORDS, type ChatMessage } from "./protocol";
import type { Renderer } from "./render";
import { messages } from "./schema";
import type { RoomStorage } from "./storage";

/** `since`/`until` are ISO 8601 UTC as Date#toISOString writes them, so they compare as text with sent_at. */
export type SearchQuery = { q?: string; sender_id?: number; since?: string; until?: string; before?: number; limit: number; cleared?: number };

/** Messages added to the index per step (~0.15 s of work), and the pause between steps of a backlog. */
const INDEX_BATCH = 20_000;
const INDEX_PAUSE_MS = 1_000;

export class SearchIndex {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly s: RoomStorage,
    private readonly render: Renderer,
  ) {}

  /**
   * Newest first: every word of `q` must occur (case-insensitive substring, any script),
   * optionally from one sender and within [since, until). Words of three or more characters go
   * through the trigram index (brought up to date first); shorter ones are LIKE filters on what
   * the index (or the other filters) left. Deleted messages are never found.
   */
  search(q: SearchQuery, viewer?: number): ChatMessage[] {
    // While a long backlog is still being indexed (a big room that predates search), the words are
    // matched with LIKE instead: slower, and case-insensitive for ASCII only, but nothing is skipped.
    const caughtUp = this.catchUp();
    return this.render.all(this.query(q, caughtUp).all(), viewer);
  }

  /** The search statement (exposed for its query plan in tests). */
  query(q: SearchQuery, useIndex = true) {
    const db = this.s.db;
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
      ? db
          .select(getTableColumns(messages))
          .from(sql`messages_fts`)
          .innerJoin(messages, sql`${messages.id} = messages_fts.rowid`)
          .where(and(sql`messages_fts MATCH ${match}`, q.before !== undefined ? sql`messages_fts.rowid < ${q.before}` : undefined, ...filters))
          .orderBy(sql`messages_fts.rowid DESC`)
          .limit(q.limit)
      : db
          .select()
          .from(messages)
          .where(and(...filters))
          .orderBy(desc(messages.id))
          .limit(q.limit);
  }

  /**
   * Adds up to INDEX_BATCH messages sent since the last call to the index, in one statement (one
   * FTS5 segment per batch instead of one per send). Returns whether the index has caught up.
   */
  catchUp(): boolean {
    const done = Number(this.s.get("search_indexed") ?? 0);
    const { last } = this.s.bounds();
    if (last <= done) return true;
    const upTo = Math.min(last, done + INDEX_BATCH);
    this.ctx.storage.sql.exec(
      "INSERT INTO messages_fts(rowid, content_text, file_name) SELECT id, content_text, file_name FROM messages WHERE id > ? AND id <= ?",
      done,
      upTo,
    );
    this.s.set("search_indexed", String(upTo));
    return upTo === last;
  }

  /** The alarm's job, after the summary, so a long backlog never holds the summary up. */
  step() {
    this.s.del("index_due");
    if (!this.catchUp()) this.s.set("index_due", String(Date.now() + INDEX_PAUSE_MS));
  }

  /** When the next step of a backlog is due (Infinity: caught up). */
  due(): number {
    return Number(this.s.get("index_due") ?? Infinity);
  }
}
