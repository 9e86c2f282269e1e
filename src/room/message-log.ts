// Writing the log: sends (REST, socket and admin broadcasts share one path), edits, soft
// deletes, media removal. The room assigns the order; a repeated client_id returns the original
// message. An edit keeps the replaced text (edits.ts); a deletion erases it and unpins (pins.ts).
// Synchronous on purpose: no await between the checks, the write and the broadcast.
import { and, eq } from "drizzle-orm";
import { placeholder } from "drizzle-orm/sql";
import type { EditHistory } from "./edits";
import type { Fanout } from "./fanout";
import { massMentionIn } from "./mentions";
import { roomArchived, type Flags } from "./flags";
import { refuse, type Actor, type ChatMessage, type NewMessage, type Refusal } from "./protocol";
import type { RateLimiter } from "./rate-limit";
import type { Pins } from "./pins";
import type { Renderer } from "./render";
import { messages, reactions, type MessageRow } from "./schema";
import { roomDeleted, type RoomStorage } from "./storage";
import type { Summary } from "./summary";
import type { Threads } from "./threads";
import type { Typing } from "./typing";

export type Posted = { ok: true; message: ChatMessage; duplicate: boolean };

export class MessageLog {
  /** Hot-path statements, built once per instance instead of once per message. */
  private readonly q;

  constructor(
    private readonly s: RoomStorage,
    private readonly render: Renderer,
    private readonly fanout: Fanout,
    private readonly flags: Flags,
    private readonly typing: Typing,
    private readonly summary: Summary,
    /** Messages, edits and deletions per sender (the configured rate). */
    private readonly limiter: RateLimiter,
    /** What hangs on a message and goes when it is deleted. */
    private readonly dependents: { edits: EditHistory; pins: Pins },
    private readonly threads: Threads,
  ) {
    const db = s.db;
    this.q = {
      byClientId: db
        .select()
        .from(messages)
        .where(and(eq(messages.senderId, placeholder("sender")), eq(messages.clientId, placeholder("client"))))
        .prepare(),
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
          threadId: placeholder("threadId"),
          alsoToRoom: placeholder("alsoToRoom"),
          threadSeq: placeholder("threadSeq"),
          sentAt: placeholder("sentAt"),
        })
        .returning()
        .prepare(),
    };
  }

  /**
   * The shared path of REST and socket sends; the broadcast is queued (see Fanout).
   * `massMentions`: the worker allows this sender @here / @all (rooms/access.ts canMentionEveryone).
   */
  store(actor: Actor, input: NewMessage, massMentions = false): Posted | Refusal {
    if (this.s.destroyed) return roomDeleted();
    if (input.client_id) {
      const prior = this.q.byClientId.get({ sender: actor.id, client: input.client_id });
      if (prior) {
        if (prior.fingerprint ? prior.fingerprint !== fingerprint(input) : !sameMessage(prior, input))
          return refuse(409, "client_id_conflict", "This client_id was already used for a different message");
        return { ok: true, message: this.render.all([prior])[0], duplicate: true };
      }
    }
    if (this.flags.postingBlocked()) return refuse(403, "cannot_message", "You cannot send messages in this conversation");
    const type = input.message_type;
    // An admin broadcast still reaches an archived room: it is read-only for its members.
    if (type !== "system" && this.flags.archived()) return roomArchived();
    const wait = type === "system" ? 0 : this.limiter.take(actor.id);
    if (wait) return refuse(429, "rate_limited", `Too many messages; retry in ${wait}s`, wait);
    const content = input.content_text?.trim() ? input.content_text : null;
    if ((type === "text" || type === "system") && !content) return refuse(400, "empty_message", "A text message needs content_text");
    if (type === "location" && !input.location) return refuse(400, "location_required", "A location message needs location {latitude, longitude}");
    if (type !== "location" && input.location) return refuse(400, "unexpected_location", "Only location messages carry a location");
    if (type !== "text" && type !== "location" && type !== "system" && !input.attachment) return refuse(400, "media_required", `A ${type} message needs a file`);
    if ((type === "text" || type === "location" || type === "system") && input.attachment)
      return refuse(400, "unexpected_media", `${type === "location" ? "Location" : "Text"} messages cannot carry media`);
    if (type !== "system" && !massMentions && massMentionIn(content))
      return refuse(403, "mention_not_allowed", "Only the room's owner and admins can use @here and @all here");
    const parent = input.reply_to_id ? this.s.byId.get({ id: input.reply_to_id }) : undefined;
    if (input.reply_to_id && !parent) return refuse(400, "invalid_reply_to", "reply_to_id is not a message of this room");
    const thread = this.threads.check(input);
    if ("ok" in thread) return thread;
    // A thread reply without its own reply_to_id answers the root: a door that knows nothing of
    // threads shows it as a plain reply.
    const quoted = parent ?? thread.root;

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
      replyToId: input.reply_to_id ?? thread.root?.id ?? null,
      clientId: input.client_id ?? null,
      fingerprint: input.client_id ? fingerprint(input) : null,
      location: locationText(input.location),
      threadId: thread.root?.id ?? null,
      alsoToRoom: !!(thread.root && input.also_to_room),
      threadSeq: this.threads.nextSeq(input),
      sentAt: new Date().toISOString(),
    })!;
    // The thread's summary goes in this same storage write (no await in between).
    if (thread.root) this.threads.replied(row, thread.root);
    this.typing.stop(actor.id);
    this.summary.schedule();
    // New: nothing answers or reacts to it yet, so the page queries of render.all are not needed.
    const message = this.render.one(row, { replyTo: quoted, replyCount: 0, reactions: [] });
    // Output gates hold these frames and the RPC reply until the insert above is durable.
    this.fanout.broadcast({ type: "chat_message", message });
    return { ok: true, message, duplicate: false };
  }

  edit(actor: Actor, messageId: number, content: string): Posted | Refusal {
    if (this.s.destroyed) return roomDeleted();
    const db = this.s.db;
    const row = db.select().from(messages).where(eq(messages.id, messageId)).get();
    if (!row || row.deletedAt) return refuse(404, "message_not_found", "Message not found");
    if (row.senderId !== actor.id) return refuse(403, "not_your_message", "Only the sender can edit a message");
    if (this.flags.archived()) return roomArchived();
    if (row.messageType === "text" && !content.trim()) return refuse(400, "empty_message", "A text message needs content_text");
    // Each edit is a broadcast to every socket: it spends like a message.
    const wait = this.limiter.take(actor.id);
    if (wait) return refuse(429, "rate_limited", `Too many changes; retry in ${wait}s`, wait);
    this.dependents.edits.keep(row);
    const updated = db
      .update(messages)
      .set({ contentText: content.trim() ? content : null, editedAt: new Date().toISOString() })
      .where(eq(messages.id, messageId))
      .returning()
      .get();
    if (messageId === this.s.bounds().last) this.summary.schedule();
    const [message] = this.render.all([updated]);
    this.fanout.broadcast({ type: "message_updated", message });
    this.fanout.flush();
    return { ok: true, message, duplicate: false };
  }

  /**
   * Soft delete: the id stays (history stays gapless), the content goes. Returns the file the
   * message carried when no other message uses it, so the worker can delete it too.
   */
  remove(actor: Actor, messageId: number, moderator: boolean): (Posted & { orphaned_file_id: number | null }) | Refusal {
    if (this.s.destroyed) return roomDeleted();
    const db = this.s.db;
    const row = db.select().from(messages).where(eq(messages.id, messageId)).get();
    if (!row || row.deletedAt) return refuse(404, "message_not_found", "Message not found");
    if (row.senderId !== actor.id && !moderator) return refuse(403, "not_your_message", "You can only delete your own messages");
    const wait = this.limiter.take(actor.id);
    if (wait) return refuse(429, "rate_limited", `Too many changes; retry in ${wait}s`, wait);
    const updated = db
      .update(messages)
      .set({ contentText: null, fileId: null, fileName: null, fileSize: null, contentType: null, width: null, height: null, location: null, deletedAt: new Date().toISOString() })
      .where(eq(messages.id, messageId))
      .returning()
      .get();
    this.threads.removed(row);
    // Its reactions and earlier versions go with its content (replies keep pointing at it: the thread stays).
    db.delete(reactions).where(eq(reactions.messageId, messageId)).run();
    this.dependents.edits.forget(messageId);
    if (messageId === this.s.bounds().last) this.summary.schedule();
    const [message] = this.render.all([updated]);
    this.fanout.broadcast({ type: "message_deleted", message });
    this.dependents.pins.forget(messageId, actor);
    this.fanout.flush();
    const stillUsed = row.fileId !== null && db.select({ id: messages.id }).from(messages).where(eq(messages.fileId, row.fileId)).limit(1).get();
    return { ok: true, message, duplicate: false, orphaned_file_id: row.fileId !== null && !stillUsed ? row.fileId : null };
  }

  /** A file was deleted: its messages show the media as removed from now on. */
  mediaRemoved(fileId: number): number {
    if (this.s.destroyed) return 0;
    const rows = this.s.db.update(messages).set({ mediaRemoved: true }).where(eq(messages.fileId, fileId)).returning().all();
    for (const message of this.render.all(rows)) this.fanout.broadcast({ type: "message_updated", message });
    this.fanout.flush();
    return rows.length;
  }
}

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
    // Only when set, so the hashes of sends from before threads stay what they were.
    ...(input.thread_id ? [input.thread_id, !!input.also_to_room] : []),
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
    (row.replyToId ?? null) === (input.reply_to_id ?? input.thread_id ?? null) &&
    (row.threadId ?? null) === (input.thread_id ?? null) &&
    (row.location ?? null) === locationText(input.location) &&
    sameMedia
  );
};
