// Everything the worker authorizes a room from: members and roles, join requests, bans,
// invitations and invite codes.
import { sql, type SQLWrapper } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { now } from "./columns";
import { rooms } from "./rooms";
import { users } from "./users";

/** A member's rank in the member list: owner, then admins, then members. Indexed (room_members_roster_idx). */
export const roleRank = (role: SQLWrapper) => sql`CASE ${role} WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END`;

export const roomMembers = sqliteTable(
  "room_members",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "admin", "member"] }).notNull().default("member"),
    status: text("status", { enum: ["active", "inactive"] }).notNull().default("active"),
    joinedAt: text("joined_at").notNull().default(now),
    lastActiveAt: text("last_active_at"),
    // Highest message id this member has read (messages ids are per-room 1, 2, 3, ...).
    lastReadMessageId: integer("last_read_message_id").notNull().default(0),
    // The room's thread-only replies at or below last_read_message_id: unread in the main timeline
    // is (last_message_id - last_read_message_id) - (rooms.thread_only_count - this).
    threadOnlyRead: integer("thread_only_read").notNull().default(0),
    // Unread replies in the threads this member follows (the room list's thread_unread_count),
    // written by the room object when they change (room/threads.ts).
    threadUnreadCount: integer("thread_unread_count").notNull().default(0),
    // Per-member conversation settings: muted until a time (far future = forever), hidden from the inbox.
    mutedUntil: text("muted_until"),
    hidden: integer("hidden", { mode: "boolean" }).notNull().default(false),
    // The room's last message id when it was hidden: any later message brings it back.
    hiddenAtMessageId: integer("hidden_at_message_id").notNull().default(0),
    // Cleared history: this member no longer sees messages up to this id (the others still do).
    clearedMessageId: integer("cleared_message_id").notNull().default(0),
    // Has a socket open in this room: written behind by the room object with its summary (~1 s).
    online: integer("online", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("room_members_room_user_unique").on(t.roomId, t.userId),
    index("room_members_user_idx").on(t.userId, t.status),
    // The member list's order (owner, admins, then by join time) read straight off the index, so a
    // page of a large room is a range scan, not a sort of every member. Its (room_id, status)
    // prefix serves the counts too.
    index("room_members_roster_idx").on(t.roomId, t.status, roleRank(t.role), t.joinedAt, t.id),
    // Who is online: only the online rows, by user (anywhere) and by room (the room's write-behind).
    index("room_members_online_idx").on(t.userId).where(sql`online = 1`),
    index("room_members_room_online_idx").on(t.roomId).where(sql`online = 1`),
  ],
);

export const joinRequests = sqliteTable(
  "join_requests",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    applicantId: integer("applicant_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    message: text("message"),
    status: text("status", { enum: ["pending", "approved", "rejected"] }).notNull().default("pending"),
    appliedAt: text("applied_at").notNull().default(now),
    processedAt: text("processed_at"),
    processedById: integer("processed_by_id").references(() => users.id, { onDelete: "set null" }),
    processMessage: text("process_message"),
  },
  (t) => [
    // At most one pending application per user and room, even under concurrent requests.
    uniqueIndex("join_requests_one_pending")
      .on(t.roomId, t.applicantId)
      .where(sql`status = 'pending'`),
    index("join_requests_room_status_idx").on(t.roomId, t.status),
  ],
);

export type MemberRow = typeof roomMembers.$inferSelect;
export type JoinRequestRow = typeof joinRequests.$inferSelect;

export const roomBans = sqliteTable(
  "room_bans",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    bannedById: integer("banned_by_id").references(() => users.id, { onDelete: "set null" }),
    reason: text("reason"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("room_bans_room_user_unique").on(t.roomId, t.userId)],
);

export const roomInvitations = sqliteTable(
  "room_invitations",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    inviterId: integer("inviter_id").references(() => users.id, { onDelete: "set null" }),
    inviteeId: integer("invitee_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["pending", "approved", "rejected"] }).notNull().default("pending"),
    createdAt: text("created_at").notNull().default(now),
    processedAt: text("processed_at"),
    processedById: integer("processed_by_id").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [
    uniqueIndex("room_invitations_one_pending")
      .on(t.roomId, t.inviteeId)
      .where(sql`status = 'pending'`),
    index("room_invitations_room_status_idx").on(t.roomId, t.status),
  ],
);

export const inviteCodes = sqliteTable(
  "invite_codes",
  {
    code: text("code").primaryKey(),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    createdById: integer("created_by_id").references(() => users.id, { onDelete: "set null" }),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
    maxUses: integer("max_uses"),
    uses: integer("uses").notNull().default(0),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [index("invite_codes_room_idx").on(t.roomId)],
);
