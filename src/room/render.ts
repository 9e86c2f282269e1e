// Messages as clients see them: a stored row with what it quotes, how many answer it and its
// reaction tallies, its thread's summary, the media URL signed. Four queries per page, whatever its size.
import { and, isNull, sql } from "drizzle-orm";
import { signedFileUrl } from "../http/media-url";
import type { ChatMessage, Location, ReactionCount, ThreadSummary } from "./protocol";
import { messages, reactions, threads, type MessageRow } from "./schema";
import type { RoomStorage } from "./storage";

export const PREVIEW_CHARS = 200;

export const ref = (u: { id: number; username: string }) => ({ id: u.id, username: u.username });

export type Extra = { replyTo: MessageRow | undefined; replyCount: number; reactions: ReactionCount[]; thread?: ThreadSummary | null };

export class Renderer {
  constructor(
    private readonly s: RoomStorage,
    private readonly env: Env,
  ) {}

  /**
   * A page of messages: four queries for the whole page (quoted messages, reply counts,
   * reactions, thread summaries). The ids go in as one JSON parameter (the storage binds at most 100). `viewer`
   * marks their reactions.
   */
  all(rows: MessageRow[], viewer?: number): ChatMessage[] {
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
    const summaries = new Map(q.threads.all().map((t) => [t.rootId, summaryOf(t)]));
    return rows.map((r) =>
      this.one(r, {
        replyTo: r.replyToId ? quoted.get(r.replyToId) : undefined,
        replyCount: replies.get(r.id) ?? 0,
        reactions: tallies.get(r.id) ?? [],
        thread: summaries.get(r.id) ?? null,
      }),
    );
  }

  /** all()'s four statements (exposed for their query plans in tests). */
  pageQueries(ids: number[], quotedIds: number[], viewer?: number) {
    const db = this.s.db;
    const page = JSON.stringify(ids);
    return {
      quoted: quotedIds.length
        ? db
            .select()
            .from(messages)
            .where(sql`${messages.id} IN (SELECT value FROM json_each(${JSON.stringify(quotedIds)}))`)
        : undefined,
      replies: db
        .select({ id: messages.replyToId, n: sql<number>`count(*)` })
        .from(messages)
        .where(and(sql`${messages.replyToId} IN (SELECT value FROM json_each(${page}))`, isNull(messages.deletedAt)))
        .groupBy(messages.replyToId),
      tallies: db
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
      threads: db
        .select()
        .from(threads)
        .where(sql`${threads.rootId} IN (SELECT value FROM json_each(${page}))`),
    };
  }

  /** One message, given what all() looks up for it (a new message needs no lookup: see the log). */
  one(r: MessageRow, extra: Extra): ChatMessage {
    const deleted = r.deletedAt !== null;
    const q = extra.replyTo;
    return {
      id: r.id,
      room_id: this.s.roomId,
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
      reply_to: q ? { id: q.id, sender_id: q.senderId, sender_name: q.senderName, preview: q.deletedAt ? null : preview(q), deleted: q.deletedAt !== null, sent_at: q.sentAt } : null,
      reply_count: extra.replyCount,
      thread_id: r.threadId,
      also_to_room: r.alsoToRoom,
      thread: extra.thread ?? null,
      reactions: extra.reactions,
      client_id: r.clientId,
      sent_at: r.sentAt,
      edited_at: r.editedAt,
      deleted,
    };
  }
}

/** A root's thread summary (null: no thread, or every reply deleted). */
export const summaryOf = (t: typeof threads.$inferSelect | undefined): ThreadSummary | null =>
  t && t.replyCount > 0 ? { reply_count: t.replyCount, last_reply_at: t.lastReplyAt, participant_ids: JSON.parse(t.participantIds) as number[] } : null;

/** What a message shows where it is quoted or summarized. */
export const preview = (r: MessageRow) => {
  if (r.deletedAt) return "(deleted)";
  if (r.contentText) return r.contentText.slice(0, PREVIEW_CHARS);
  const place = r.location ? (JSON.parse(r.location) as Location).name : null;
  return `[${r.messageType}]${r.fileName ? ` ${r.fileName}` : place ? ` ${place}` : ""}`;
};

