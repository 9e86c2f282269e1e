// The room summary written behind to D1, at most once a second: the room row (last message,
// activity, presence, the day's count), per-member presence, senders' read positions and the
// mentions (their notifications and their rows for the mention counts), in one batch; then the members' own sockets hear of the new messages.
import { and, asc, desc, gt, gte, isNull, not } from "drizzle-orm";
import { memberPresence, senderHasRead } from "../members/queries";
import { mentionRows, type MentionedMessage } from "../mentions/queries";
import { mentionNotifications } from "../notifications/queries";
import { deliverToUserSockets, pokeHubs, USER_SOCKET_MESSAGES_MAX } from "../realtime/push";
import { writeRoomSummary } from "../rooms/queries";
import { threadNotifications, writeThreadTotals } from "../threads/queries";
import { massMentionIn, mentionsIn } from "./mentions";
import { PREVIEW_CHARS, preview, type Renderer } from "./render";
import { messages } from "./schema";
import type { Sockets } from "./sockets";
import type { RoomStorage } from "./storage";
import { threadOnly, type Threads } from "./threads";

const SUMMARY_DELAY_MS = 1_000;

export class Summary {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly s: RoomStorage,
    private readonly render: Renderer,
    private readonly sockets: Sockets,
    private readonly threads: Threads,
    private readonly reschedule: () => void,
    /** Users online on the room's relays, as they last reported (relay/link.ts). */
    private readonly relayUsers: () => number[] = () => [],
    /** The online set changed (written to D1 now): a giant room tells its sockets (room.ts). */
    private readonly onlineChanged: (count: number) => void = () => {},
  ) {}

  /** Write-behind: at most one D1 summary write per room per SUMMARY_DELAY_MS. */
  schedule() {
    if ((this.s.cache.summaryDue ??= this.s.get("summary_due") !== undefined)) return;
    this.s.set("summary_due", String(Date.now() + SUMMARY_DELAY_MS));
    this.s.cache.summaryDue = true;
    this.reschedule();
  }

  /** When the write is due (Infinity: nothing to write). */
  due(): number {
    return Number(this.s.get("summary_due") ?? Infinity);
  }

  /** Writes users' room-list thread totals to D1 now (a read or follow changed them); the totals. */
  async threadTotals(userIds: number[]): Promise<Map<number, number>> {
    const totals = this.threads.totals(userIds);
    if (this.s.roomId) await writeThreadTotals(this.env.DB, this.s.roomId, totals).run();
    return new Map(totals.map((t) => [t.user_id, t.n]));
  }

  async flush() {
    const roomId = this.s.roomId;
    const db = this.s.db;
    if (!roomId) {
      // Not named for a room (the health check's object): nothing to write, so drop the request
      // rather than re-arm for ever.
      this.s.del("summary_due");
      return;
    }
    const { last } = this.s.bounds();
    const newest = last ? this.s.byId.get({ id: last }) : undefined;
    // The room list previews the main timeline: a thread-only reply is not its last message.
    const lastRow = newest && newest.threadId !== null && !newest.alsoToRoom ? db.select().from(messages).where(not(threadOnly)).orderBy(desc(messages.id)).limit(1).get() : newest;
    const flushed = Number(this.s.get("flushed_id") ?? 0);
    // One pass over the messages since the last write: a sender has read everything up to their
    // own latest message, and mentions become notifications (one statement for all of them).
    const fresh = db
      .select({
        id: messages.id,
        senderId: messages.senderId,
        senderName: messages.senderName,
        text: messages.contentText,
        type: messages.messageType,
        sentAt: messages.sentAt,
        deletedAt: messages.deletedAt,
        threadId: messages.threadId,
        threadSeq: messages.threadSeq,
      })
      .from(messages)
      .where(gt(messages.id, flushed))
      .orderBy(asc(messages.id))
      .all();
    const reads = new Map<number, { id: number; threadSeq: number }>();
    // An admin broadcast is not something its sender read in this room.
    for (const m of fresh) if (m.type !== "system") reads.set(m.senderId, m);
    // Thread followers to notify (marked in this object's storage) and whose totals changed.
    const thread = this.threads.pending(flushed);
    const mentions: MentionedMessage[] = fresh
      // An admin broadcast reaches many rooms: its @names would notify once per room.
      .filter((m) => !m.deletedAt && m.type !== "system" && m.text?.includes("@"))
      .map((m) => ({ message_id: m.id, sender_id: m.senderId, sender_name: m.senderName, preview: m.text!.slice(0, PREVIEW_CHARS), names: mentionsIn(m.text), everyone: massMentionIn(m.text), sent_at: m.sentAt }))
      .filter((m) => m.names.length || m.everyone);
    const now = new Date().toISOString();
    // Sorted, so the same set compares equal to the last one written whatever order sockets woke in.
    const ids = [...new Set([...this.sockets.users().map((u) => u.id), ...this.relayUsers()])].sort((x, y) => x - y);
    const online = JSON.stringify(ids);
    const d1 = this.env.DB;
    // A write whose reply was lost is written again with the same messages: what it adds (mentions,
    // the day's count) is measured against the room row's own last_message_id, which only this
    // write moves, so the second time adds nothing. Mentions therefore go before the row's update.
    const stmts: D1PreparedStatement[] = [
      // @here counts who is online now, at this write (about a second after the send).
      ...(mentions.length ? [mentionNotifications(d1, roomId, mentions), mentionRows(d1, roomId, mentions, online)] : []),
      // Before the room row moves, like the mentions; the room's own mark keeps it once per thread until read.
      ...(thread.notify.length ? [threadNotifications(d1, roomId, thread.notify)] : []),
      ...(thread.touched.length ? [writeThreadTotals(d1, roomId, this.threads.totals(thread.touched))] : []),
      writeRoomSummary(d1, roomId, {
        lastMessageId: last,
        threadOnlyCount: newest?.threadSeq ?? this.s.cache.threadSeq ?? 0,
        sender: lastRow?.senderName ?? null,
        preview: lastRow ? preview(lastRow) : null,
        activityAt: lastRow?.sentAt ?? now,
        onlineCount: ids.length,
        onlineIds: online,
        day: now.slice(0, 10),
      }),
      // Per-member presence, when it changed since the last write.
      ...(online === this.s.get("flushed_online") ? [] : memberPresence(d1, roomId, online)),
      ...[...reads].map(([userId, m]) => senderHasRead(d1, roomId, userId, m.id, m.threadSeq, now)),
    ];
    // Marked done before the await, so messages arriving meanwhile schedule the next flush.
    this.s.del("summary_due");
    this.s.cache.summaryDue = false;
    let results: D1Result[];
    try {
      results = await d1.batch(stmts);
    } catch (err) {
      if (this.s.destroyed) return;
      // Due again; the throw makes the runtime retry the alarm.
      this.schedule();
      throw err;
    }
    // The mentioned and notified users hear of it on their own sockets (the statements' RETURNING).
    const notified = [
      ...(mentions.length ? (results[0].results as { user_id: number; message_id: number }[]) : []),
      ...(thread.notify.length ? (results[mentions.length ? 2 : 0].results as { user_id: number }[]) : []),
    ];
    if (notified.length) this.ctx.waitUntil(pokeHubs(this.env, [...new Set(notified.map((r) => r.user_id))]));
    // Mentioned in a thread: they follow it from now on (their total is written at the next change).
    if (mentions.length && !this.s.destroyed) {
      const inThread = new Map(fresh.filter((m) => m.threadId !== null).map((m) => [m.id, m.threadId!]));
      const followed = new Set<number>();
      for (const r of results[0].results as { user_id: number; message_id: number }[]) {
        const root = inThread.get(r.message_id);
        if (root) this.threads.mentioned(root, [r.user_id]);
        if (root) followed.add(r.user_id);
      }
      if (followed.size) this.ctx.waitUntil(this.threadTotals([...followed]));
    }
    // Deleted while the write was out: its storage stays wiped.
    if (this.s.destroyed) return;
    this.threads.notified(thread.notify);
    // Members with their own socket open (/realtime/ws) hear of the new messages there too.
    const delivered = fresh.filter((m) => !m.deletedAt).slice(-USER_SOCKET_MESSAGES_MAX);
    if (delivered.length) {
      const rows = db.select().from(messages).where(and(gte(messages.id, delivered[0].id), isNull(messages.deletedAt))).orderBy(asc(messages.id)).all();
      this.ctx.waitUntil(deliverToUserSockets(this.env, roomId, this.render.all(rows.slice(0, USER_SOCKET_MESSAGES_MAX))));
    }
    this.s.set("flushed_id", String(last));
    if (online !== this.s.get("flushed_online")) this.onlineChanged(ids.length);
    this.s.set("flushed_online", online);
  }
}
