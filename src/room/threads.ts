// Threads (docs/threads.md): a reply with a thread_id joins the thread of that root. The room keeps
// each thread's summary (reply count, last reply, first repliers) in `threads`, written by the send
// itself in the same storage write, and each member's place in it (read position, following,
// notified) in `thread_reads`. Thread-only replies stay out of the main timeline (history.ts) and
// out of the main unread count (the thread_seq counter, summary.ts). Lists and pages cost a
// constant number of statements whatever the number of threads.
import { and, asc, desc, eq, gt, isNull, lt, ne, sql } from "drizzle-orm";
import { refuse, THREAD_PARTICIPANTS, type ChatMessage, type NewMessage, type Refusal } from "./protocol";
import type { Renderer } from "./render";
import { messages, threadReads, threads, type MessageRow } from "./schema";
import type { RoomStorage } from "./storage";

export type ThreadItem = { root: ChatMessage; unread_count: number; following: boolean; last_read_id: number };
export type ThreadList = { threads: ThreadItem[]; next_cursor: number | null };
export type ThreadQuery = { limit: number; before?: number; after?: number; cleared?: number };
export type ThreadPage = { root: ChatMessage; messages: ChatMessage[]; last_id: number };

/** A message in no thread's own timeline but its thread's: what the main history and unread count leave out. */
export const threadOnly = sql`(${messages.threadId} IS NOT NULL AND ${messages.alsoToRoom} = 0)`;

export class Threads {
  constructor(
    private readonly s: RoomStorage,
    private readonly render: Renderer,
  ) {}

  /** The thread a send names, or its refusal (nothing is written before this answers). */
  check(input: NewMessage): { root: MessageRow | undefined } | Refusal {
    if (!input.thread_id) {
      if (input.also_to_room) return refuse(400, "invalid_thread_id", "also_to_room needs a thread_id");
      return { root: undefined };
    }
    const root = this.s.byId.get({ id: input.thread_id });
    if (!root) return refuse(404, "thread_not_found", "thread_id is not a message of this room");
    if (root.threadId !== null) return refuse(400, "thread_in_thread", "thread_id names a reply in a thread; reply in that thread (its thread_id) instead");
    return { root };
  }

  /**
   * The thread-only counter a new message carries (threadSeq), counted up for a thread-only one.
   * Read from meta once per instance; written in the send's own storage write.
   */
  nextSeq(input: NewMessage): number {
    const seq = (this.s.cache.threadSeq ??= Number(this.s.get("thread_seq") ?? 0));
    if (!input.thread_id || input.also_to_room) return seq;
    this.s.cache.threadSeq = seq + 1;
    this.s.set("thread_seq", String(seq + 1));
    return seq + 1;
  }

  /** A reply was stored: its thread's summary and the sender's place, in the same write (two statements). */
  replied(reply: MessageRow, root: MessageRow) {
    const db = this.s.db;
    const sender = reply.senderId;
    db.insert(threads)
      .values({ rootId: root.id, replyCount: 1, lastReplyId: reply.id, lastReplyAt: reply.sentAt, participantIds: JSON.stringify([sender]) })
      .onConflictDoUpdate({
        target: threads.rootId,
        set: {
          replyCount: sql`${threads.replyCount} + 1`,
          lastReplyId: reply.id,
          lastReplyAt: reply.sentAt,
          participantIds: sql`CASE WHEN json_array_length(${threads.participantIds}) < ${THREAD_PARTICIPANTS}
            AND NOT EXISTS (SELECT 1 FROM json_each(${threads.participantIds}) WHERE value = ${sender})
            THEN json_insert(${threads.participantIds}, '$[#]', ${sender}) ELSE ${threads.participantIds} END`,
        },
      })
      .run();
    // Replying follows the thread and reads it up to the reply; the root's sender follows the
    // thread they started, unless they unfollowed it before.
    db.insert(threadReads)
      .values([
        { rootId: root.id, userId: reply.senderId, readId: reply.id, following: true },
        ...(root.senderId !== reply.senderId ? [{ rootId: root.id, userId: root.senderId, following: true }] : []),
      ])
      .onConflictDoUpdate({
        target: [threadReads.rootId, threadReads.userId],
        set: {
          following: sql`CASE WHEN ${threadReads.userId} = ${reply.senderId} THEN 1 ELSE ${threadReads.following} END`,
          readId: sql`CASE WHEN ${threadReads.userId} = ${reply.senderId} THEN max(${threadReads.readId}, excluded.read_id) ELSE ${threadReads.readId} END`,
          notified: sql`CASE WHEN ${threadReads.userId} = ${reply.senderId} THEN 0 ELSE ${threadReads.notified} END`,
        },
      })
      .run();
  }

  /** A reply was deleted: the summary counts one fewer. */
  removed(row: MessageRow) {
    if (row.threadId === null || row.deletedAt) return;
    this.s.db
      .update(threads)
      .set({ replyCount: sql`max(0, ${threads.replyCount} - 1)` })
      .where(eq(threads.rootId, row.threadId))
      .run();
  }

  /** Mentioned users follow the thread (unless they unfollowed it before). */
  mentioned(rootId: number, userIds: number[]) {
    if (!userIds.length) return;
    this.s.db
      .insert(threadReads)
      .values(userIds.map((userId) => ({ rootId, userId, following: true })))
      .onConflictDoNothing()
      .run();
  }

  /** The room's threads, newest activity first: one statement plus one page render, whatever their number. */
  list(viewer: number, q: { limit: number; cursor?: number; cleared?: number }): ThreadList {
    const unread = sql<number>`(SELECT count(*) FROM ${messages} r WHERE r.thread_id = ${threads.rootId} AND r.id > coalesce(${threadReads.readId}, 0)
      AND r.deleted_at IS NULL AND r.sender_id <> ${viewer})`;
    const rows = this.s.db
      .select({ root: messages, lastReplyId: threads.lastReplyId, readId: threadReads.readId, following: threadReads.following, unread })
      .from(threads)
      .innerJoin(messages, eq(messages.id, threads.rootId))
      .leftJoin(threadReads, and(eq(threadReads.rootId, threads.rootId), eq(threadReads.userId, viewer)))
      .where(and(gt(threads.replyCount, 0), gt(threads.rootId, q.cleared ?? 0), q.cursor !== undefined ? lt(threads.lastReplyId, q.cursor) : undefined))
      .orderBy(desc(threads.lastReplyId))
      .limit(q.limit + 1)
      .all();
    const page = rows.slice(0, q.limit);
    const roots = this.render.all(
      page.map((r) => r.root),
      viewer,
    );
    const items = page.map((r, i) => ({ root: roots[i], unread_count: r.unread, following: !!r.following, last_read_id: r.readId ?? 0 }));
    const last = page[page.length - 1];
    return { threads: items, next_cursor: rows.length > q.limit && last ? last.lastReplyId : null };
  }

  /** A thread's replies, oldest first, with its root apart (a tombstone when it was deleted). */
  page(rootId: number, q: ThreadQuery, viewer?: number): ThreadPage | Refusal {
    const root = rootId > (q.cleared ?? 0) ? this.s.byId.get({ id: rootId }) : undefined;
    if (!root) return refuse(404, "thread_not_found", "No such thread in this room");
    if (root.threadId !== null) return refuse(400, "thread_in_thread", "This message is a reply in a thread, not a root");
    const db = this.s.db;
    const inThread = eq(messages.threadId, rootId);
    const rows =
      q.after !== undefined
        ? db
            .select()
            .from(messages)
            .where(and(inThread, gt(messages.id, q.after), q.before !== undefined ? lt(messages.id, q.before) : undefined))
            .orderBy(asc(messages.id))
            .limit(q.limit)
            .all()
        : db
            .select()
            .from(messages)
            .where(and(inThread, q.before !== undefined ? lt(messages.id, q.before) : undefined))
            .orderBy(desc(messages.id))
            .limit(q.limit)
            .all()
            .reverse();
    const [rendered, ...replies] = this.render.all([root, ...rows], viewer);
    return { root: rendered, messages: replies, last_id: db.select({ id: threads.lastReplyId }).from(threads).where(eq(threads.rootId, rootId)).get()?.id ?? 0 };
  }

  /** Sets a member's read position in a thread (default: its latest reply); clears their notified mark. */
  read(userId: number, rootId: number, upTo?: number): { root_id: number; last_read_id: number; unread_count: number } | Refusal {
    const root = this.s.byId.get({ id: rootId });
    if (!root || root.threadId !== null) return refuse(404, "thread_not_found", "No such thread in this room");
    const last = this.s.db.select({ id: threads.lastReplyId }).from(threads).where(eq(threads.rootId, rootId)).get()?.id ?? 0;
    const position = upTo ?? last;
    if (upTo !== undefined) {
      const target = this.s.byId.get({ id: upTo });
      if (!target || target.threadId !== rootId) return refuse(400, "invalid_message_id", "message_id is not a reply in this thread");
    }
    const row = this.s.db
      .insert(threadReads)
      .values({ rootId, userId, readId: position })
      .onConflictDoUpdate({ target: [threadReads.rootId, threadReads.userId], set: { readId: sql`max(${threadReads.readId}, excluded.read_id)`, notified: false } })
      .returning()
      .get()!;
    return { root_id: rootId, last_read_id: row.readId, unread_count: this.unreadIn(rootId, userId, row.readId) };
  }

  /** Follows or unfollows (idempotent). */
  follow(userId: number, rootId: number, on: boolean): { root_id: number; following: boolean } | Refusal {
    const root = this.s.byId.get({ id: rootId });
    if (!root || root.threadId !== null) return refuse(404, "thread_not_found", "No such thread in this room");
    this.s.db
      .insert(threadReads)
      .values({ rootId, userId, following: on })
      .onConflictDoUpdate({ target: [threadReads.rootId, threadReads.userId], set: { following: on, notified: false } })
      .run();
    return { root_id: rootId, following: on };
  }

  private unreadIn(rootId: number, userId: number, readId: number): number {
    return (
      this.s.db
        .select({ n: sql<number>`count(*)` })
        .from(messages)
        .where(and(eq(messages.threadId, rootId), gt(messages.id, readId), isNull(messages.deletedAt), ne(messages.senderId, userId)))
        .get()?.n ?? 0
    );
  }

  /**
   * Unread replies in the threads each user follows (the room list's thread_unread_count), for a
   * set of users, in one statement.
   */
  totals(userIds: number[]): { user_id: number; n: number }[] {
    if (!userIds.length) return [];
    return this.s.db
      .select({ user_id: threadReads.userId, n: sql<number>`count(${messages.id})` })
      .from(threadReads)
      .leftJoin(messages, and(eq(messages.threadId, threadReads.rootId), gt(messages.id, threadReads.readId), isNull(messages.deletedAt), ne(messages.senderId, threadReads.userId)))
      .where(and(eq(threadReads.following, true), sql`${threadReads.userId} IN (SELECT value FROM json_each(${JSON.stringify(userIds)}))`))
      .groupBy(threadReads.userId)
      .all()
      .concat(userIds.map((user_id) => ({ user_id, n: 0 })))
      .filter((r, i, all) => all.findIndex((x) => x.user_id === r.user_id) === i);
  }

  /**
   * For the summary write: the followers of the threads with replies after `flushed` who were not
   * notified since they last read (marked by notified() once the write succeeded), and everyone
   * whose total may have changed.
   */
  pending(flushed: number): { notify: { user_id: number; root_id: number; message_id: number; sender_name: string; preview: string }[]; touched: number[] } {
    const db = this.s.db;
    const fresh = db
      .select({ rootId: messages.threadId, lastId: sql<number>`max(${messages.id})` })
      .from(messages)
      .where(and(gt(messages.id, flushed), sql`${messages.threadId} IS NOT NULL`))
      .groupBy(messages.threadId)
      .all();
    if (!fresh.length) return { notify: [], touched: [] };
    const roots = JSON.stringify(fresh.map((f) => f.rootId));
    const followers = db
      .select({ userId: threadReads.userId, rootId: threadReads.rootId, notified: threadReads.notified, readId: threadReads.readId })
      .from(threadReads)
      .where(and(eq(threadReads.following, true), sql`${threadReads.rootId} IN (SELECT value FROM json_each(${roots}))`))
      .all();
    const last = new Map(fresh.map((f) => [f.rootId!, f.lastId]));
    const latest = fresh.length
      ? db
          .select()
          .from(messages)
          .where(sql`${messages.id} IN (SELECT value FROM json_each(${JSON.stringify([...last.values()])}))`)
          .all()
      : [];
    const byRoot = new Map(latest.map((m) => [m.threadId!, m]));
    const notify = followers
      .filter((f) => !f.notified && f.readId < last.get(f.rootId)! && byRoot.get(f.rootId) && byRoot.get(f.rootId)!.senderId !== f.userId && !byRoot.get(f.rootId)!.deletedAt)
      .map((f) => {
        const m = byRoot.get(f.rootId)!;
        return { user_id: f.userId, root_id: f.rootId, message_id: m.id, sender_name: m.senderName, preview: (m.contentText ?? `[${m.messageType}]`).slice(0, 200) };
      });
    return { notify, touched: [...new Set(followers.map((f) => f.userId))] };
  }

  /** The summary write that carried these notifications succeeded: none again for those threads until read. */
  notified(notify: { user_id: number; root_id: number }[]) {
    if (!notify.length) return;
    this.s.db
      .update(threadReads)
      .set({ notified: true })
      .where(sql`(${threadReads.rootId}, ${threadReads.userId}) IN (SELECT value->>'root_id', value->>'user_id' FROM json_each(${JSON.stringify(notify)}))`)
      .run();
  }
}
