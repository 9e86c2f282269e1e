// Rooms (groups and direct chats) and the room summary columns, written behind by the room object.
// Messages live in each room's Durable Object, not here.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { now } from "./columns";
import { users } from "./users";

export const rooms = sqliteTable(
  "rooms",
  {
    // AUTOINCREMENT: a deleted room's id (and so its Durable Object name) is never reused.
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind", { enum: ["group", "direct"] }).notNull().default("group"),
    name: text("name").notNull(),
    // Direct conversations: "<lower user id>:<higher user id>", unique, so get-or-create is idempotent.
    directKey: text("direct_key"),
    description: text("description"),
    visibility: text("visibility", { enum: ["public", "private"] }).notNull().default("public"),
    requireApproval: integer("require_approval", { mode: "boolean" }).notNull().default(true),
    maxMembers: integer("max_members"),
    // The room type a document 001 client created it with (public, private, group): shown back to
    // it as room_type. A label only: visibility and require_approval carry the rules. Null elsewhere.
    roomType: text("room_type", { enum: ["public", "private", "group"] }),
    // A group's picture (PUT /chat-rooms/{id}/avatar): /api/v1/avatars/{file id}, served publicly.
    avatarUrl: text("avatar_url"),
    avatarFileId: integer("avatar_file_id"),
    // The current owner. The reference spec calls the owner "creator"; ownership can be transferred.
    creatorId: integer("creator_id")
      .notNull()
      .references(() => users.id),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
    // Room summary, written behind by the room object (at most ~1/s per room).
    lastMessageId: integer("last_message_id").notNull().default(0),
    lastMessageSender: text("last_message_sender"),
    lastMessageContent: text("last_message_content"),
    lastActivityAt: text("last_activity_at").notNull().default(now),
    onlineCount: integer("online_count").notNull().default(0),
    // Thread-only replies (not also to the room) so far: the main unread count leaves them out
    // (docs/threads.md). Written behind with last_message_id.
    threadOnlyCount: integer("thread_only_count").notNull().default(0),
    // Direct chats only: JSON array of the user ids with an open socket (for the inbox's online dot).
    onlineUserIds: text("online_user_ids"),
    // Messages sent on `messages_day` (UTC date, YYYY-MM-DD), written behind with the summary.
    messagesDay: text("messages_day"),
    dayMessages: integer("day_messages").notNull().default(0),
    // Direct chats only: bumped by every block / unblock between the two users, in the same
    // statement that reads the block state, so the room object can drop a reordered older sync.
    blockVersion: integer("block_version").notNull().default(0),
    // Archived (is_active false): read-only, nobody joins or posts. The version orders the room
    // object's copy of it, as block_version does for blocks.
    archivedAt: text("archived_at"),
    archiveVersion: integer("archive_version").notNull().default(0),
    // The global room (rooms/global.ts): at most one, every signed-in user reads and posts there.
    isGlobal: integer("is_global", { mode: "boolean" }).notNull().default(false),
    // May every member use @here / @all? null: by size (rooms of up to 50 members; mentions/rules.ts).
    allowMassMentions: integer("allow_mass_mentions", { mode: "boolean" }),
  },
  (t) => [
    // Group names are globally unique (case-insensitive); direct chats are keyed by their two users.
    uniqueIndex("rooms_name_lower_unique").on(sql`lower(${t.name})`).where(sql`kind = 'group'`),
    uniqueIndex("rooms_direct_key_unique").on(t.directKey),
    index("rooms_kind_activity_idx").on(t.kind, t.lastActivityAt),
    index("rooms_visibility_idx").on(t.visibility, t.id),
    index("rooms_creator_idx").on(t.creatorId),
    index("rooms_messages_day_idx").on(t.messagesDay),
    index("rooms_avatar_file_idx").on(t.avatarFileId).where(sql`avatar_file_id IS NOT NULL`),
    uniqueIndex("rooms_global_unique").on(t.isGlobal).where(sql`is_global = 1`),
  ],
);

export type RoomRow = typeof rooms.$inferSelect;
