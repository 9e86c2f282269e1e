// Edit history: each edit keeps the text it replaced (message_edits), so a message's versions can
// be listed oldest first. The history lives and dies with its message: deleting the message erases
// every version (not hidden: gone from storage), and pruning takes the versions of what it prunes (retention.ts).
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { placeholder } from "drizzle-orm/sql";
import { refuse, type MessageVersion, type Refusal } from "./protocol";
import { messageEdits, type MessageRow } from "./schema";
import type { RoomStorage } from "./storage";

export type VersionQuery = { after?: number; limit: number };

export class EditHistory {
  private readonly q;

  constructor(private readonly s: RoomStorage) {
    const db = s.db;
    this.q = {
      // The next version number; runs in the edit's own synchronous turn, so no other edit interleaves.
      last: db
        .select({ n: sql<number | null>`max(${messageEdits.version})` })
        .from(messageEdits)
        .where(eq(messageEdits.messageId, placeholder("id")))
        .prepare(),
    };
  }

  /** Called by an edit before it writes: keeps the text about to be replaced, with its time. */
  keep(row: MessageRow) {
    const version = (this.q.last.get({ id: row.id })?.n ?? 0) + 1;
    this.s.db.insert(messageEdits).values({ messageId: row.id, version, contentText: row.contentText, writtenAt: row.editedAt ?? row.sentAt }).run();
  }

  /**
   * The versions of a message, oldest first, the current text last: at most three queries,
   * whatever their number. Paged by `after` (a version number). `cleared`: the reader cleared their
   * history up to there, and those messages (their versions with them) are not theirs to see.
   */
  versions(messageId: number, q: VersionQuery, cleared = 0): { ok: true; versions: MessageVersion[] } | Refusal {
    const row = messageId > cleared ? this.s.byId.get({ id: messageId }) : undefined;
    if (!row || row.deletedAt) return refuse(404, "message_not_found", "Message not found");
    const after = q.after ?? 0;
    const rows = this.s.db
      .select()
      .from(messageEdits)
      .where(and(eq(messageEdits.messageId, messageId), gt(messageEdits.version, after)))
      .orderBy(asc(messageEdits.version))
      .limit(q.limit)
      .all();
    const versions: MessageVersion[] = rows.map((r) => ({ version: r.version, content_text: r.contentText, at: r.writtenAt, current: false }));
    // The current text is the version after the last kept one; it ends the list once the page reaches it.
    const currentVersion = rows.length < q.limit ? this.count(messageId, rows, after) + 1 : 0;
    if (currentVersion > after && versions.length < q.limit)
      versions.push({ version: currentVersion, content_text: row.contentText, at: row.editedAt ?? row.sentAt, current: true });
    return { ok: true, versions };
  }

  /** Versions kept for the message: known from a short page, else asked. */
  private count(messageId: number, page: { version: number }[], after: number): number {
    if (page.length) return page[page.length - 1].version;
    return after ? (this.q.last.get({ id: messageId })?.n ?? 0) : 0;
  }

  /** The message was deleted: every earlier version goes with its text. */
  forget(messageId: number) {
    this.s.db.delete(messageEdits).where(eq(messageEdits.messageId, messageId)).run();
  }
}
