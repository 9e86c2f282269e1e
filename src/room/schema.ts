// The room object's own SQLite storage (drizzle durable-sqlite): the message log, who is typing,
// reactions, pins, the earlier versions of edited messages, and the room summary waiting to be written behind to D1. The search index over the log
// (messages_fts, an FTS5 trigram table kept by triggers) is in migration 0002, outside drizzle.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const messages = sqliteTable(
  "messages",
  {
    // Per-room 1, 2, 3, ...: the order. Never reused; only the oldest are ever pruned, so ids stay dense.
    id: integer("id").primaryKey({ autoIncrement: true }),
    senderId: integer("sender_id").notNull(),
    senderName: text("sender_name").notNull(),
    contentText: text("content_text"),
    messageType: text("message_type", { enum: ["text", "image", "file", "voice", "video", "location", "system"] }).notNull(),
    mediaUrl: text("media_url"),
    fileId: integer("file_id"),
    fileName: text("file_name"),
    fileSize: integer("file_size"),
    contentType: text("content_type"),
    width: integer("width"),
    height: integer("height"),
    // The file was deleted after the message was sent: show "media removed", not a broken link.
    mediaRemoved: integer("media_removed", { mode: "boolean" }).notNull().default(false),
    // Location messages: JSON {latitude, longitude, name, address}.
    location: text("location"),
    replyToId: integer("reply_to_id"),
    // A thread reply: the root it belongs to (threads.ts). Stays out of the main timeline unless
    // also_to_room.
    threadId: integer("thread_id"),
    alsoToRoom: integer("also_to_room", { mode: "boolean" }).notNull().default(false),
    // Thread-only replies (thread_id set, not also_to_room) at or before this message: what the
    // main unread count subtracts (threads.ts, docs/threads.md).
    threadSeq: integer("thread_seq").notNull().default(0),
    clientId: text("client_id"),
    // With a client_id: a hash of what was sent, so a retry compares with the original even after
    // the message was edited, deleted or lost its media (null for messages from before it existed).
    fingerprint: text("fingerprint"),
    sentAt: text("sent_at").notNull(),
    editedAt: text("edited_at"),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    // Exactly-once: one message per (sender, client_id), remembered as long as the message is kept.
    uniqueIndex("messages_sender_client_unique")
      .on(t.senderId, t.clientId)
      .where(sql`client_id IS NOT NULL`),
    index("messages_file_idx").on(t.fileId),
    // Search filters (search-index.ts): one sender's messages newest first, and a time window.
    index("messages_sender_idx").on(t.senderId, t.id),
    index("messages_sent_at_idx").on(t.sentAt),
    // Reply counts of a page of messages (render).
    index("messages_reply_to_idx").on(t.replyToId),
    // A thread's messages in order, and its unread counts (threads.ts).
    index("messages_thread_idx").on(t.threadId, t.id).where(sql`thread_id IS NOT NULL`),
  ],
);

/** One user's emoji on one message. Deleting or pruning a message takes its reactions with it. */
export const reactions = sqliteTable(
  "reactions",
  {
    // The order reactions were made: first-reacted emoji first, and the cursor of the who-reacted list.
    id: integer("id").primaryKey({ autoIncrement: true }),
    messageId: integer("message_id").notNull(),
    emoji: text("emoji").notNull(),
    userId: integer("user_id").notNull(),
    username: text("username").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    // One of each emoji per user and message: adding it again changes nothing.
    uniqueIndex("reactions_message_emoji_user_unique").on(t.messageId, t.emoji, t.userId),
    index("reactions_message_idx").on(t.messageId, t.id),
  ],
);

/** A pinned message (at most MAX_PINS per room). Deleting or pruning a message unpins it. */
export const pins = sqliteTable("pins", {
  // The order of pinning: the list is newest pin first.
  id: integer("id").primaryKey({ autoIncrement: true }),
  messageId: integer("message_id").notNull().unique(),
  pinnedById: integer("pinned_by_id").notNull(),
  pinnedByName: text("pinned_by_name").notNull(),
  pinnedAt: text("pinned_at").notNull(),
});

/**
 * The earlier versions of an edited message: each edit keeps the text it replaced, numbered from 1
 * (the text as sent). Deleting or pruning the message takes them with it.
 */
export const messageEdits = sqliteTable(
  "message_edits",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    messageId: integer("message_id").notNull(),
    version: integer("version").notNull(),
    contentText: text("content_text"),
    // When this text was written: the message's sent_at for version 1, else the edit that wrote it.
    writtenAt: text("written_at").notNull(),
  },
  (t) => [uniqueIndex("message_edits_message_version_unique").on(t.messageId, t.version)],
);

/**
 * A thread's summary, one row per root with at least one reply: kept by the send that adds the
 * reply (the same storage write), so a page of roots reads it in one statement.
 */
export const threads = sqliteTable(
  "threads",
  {
    rootId: integer("root_id").primaryKey(),
    replyCount: integer("reply_count").notNull().default(0),
    lastReplyId: integer("last_reply_id").notNull(),
    lastReplyAt: text("last_reply_at").notNull(),
    // JSON array of the first five repliers' ids, in the order they first replied.
    participantIds: text("participant_ids").notNull().default("[]"),
  },
  (t) => [index("threads_activity_idx").on(t.lastReplyId)],
);

/**
 * Each member's place in a thread: their read position (a message id in the thread, 0: nothing
 * read), whether they follow it, and whether they were notified since they last read it.
 */
export const threadReads = sqliteTable(
  "thread_reads",
  {
    rootId: integer("root_id").notNull(),
    userId: integer("user_id").notNull(),
    readId: integer("read_id").notNull().default(0),
    following: integer("following", { mode: "boolean" }).notNull().default(false),
    notified: integer("notified", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [uniqueIndex("thread_reads_root_user_unique").on(t.rootId, t.userId), index("thread_reads_user_idx").on(t.userId, t.rootId)],
);

export const typing = sqliteTable("typing", {
  userId: integer("user_id").primaryKey(),
  username: text("username").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * A relayed room's outgoing frames, in the order the room broadcast them (relay/link.ts): `seq` is
 * the stream's order, which every push to a relay carries, and a relay that missed some asks for
 * the range. Only written while the room has relays; the oldest are trimmed.
 */
export const relayLog = sqliteTable("relay_log", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  // The frame as JSON text (ServerFrame), and the user whose sockets do not get it.
  frame: text("frame").notNull(),
  exceptUser: integer("except_user"),
});

export type MessageRow = typeof messages.$inferSelect;
