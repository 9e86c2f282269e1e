// D1 schema: users and the social graph, rooms and everything the worker authorizes from
// (members, roles, join requests). Messages live in each room's Durable Object, not here; the
// room summary columns below are written behind by the room object.
import { sql, type SQLWrapper } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { NOTIFICATION_TYPES } from "../notifications/schema";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

/** A member's rank in the member list: owner, then admins, then members. Indexed (room_members_roster_idx). */
export const roleRank = (role: SQLWrapper) => sql`CASE ${role} WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END`;

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    username: text("username").notNull(),
    displayName: text("display_name"),
    email: text("email"),
    phone: text("phone"),
    avatarUrl: text("avatar_url"),
    // An uploaded avatar (PUT /users/me/avatar): the file behind avatar_url, served publicly.
    avatarFileId: integer("avatar_file_id"),
    bio: text("bio"),
    // PBKDF2-SHA256: base64 hash and salt, and the iteration count used, so it can be raised later.
    passwordHash: text("password_hash").notNull(),
    passwordSalt: text("password_salt").notNull(),
    passwordIterations: integer("password_iterations").notNull(),
    isAdmin: integer("is_admin", { mode: "boolean" }).notNull().default(false),
    // Who may open a direct conversation with this user.
    dmPolicy: text("dm_policy", { enum: ["everyone", "friends"] }).notNull().default("everyone"),
    // Bumped on password change: tokens issued before it stop working.
    tokenVersion: integer("token_version").notNull().default(0),
    // Which notifications this user gets (notifications/).
    notifyMention: integer("notify_mention", { mode: "boolean" }).notNull().default(true),
    notifyRoomInvite: integer("notify_room_invite", { mode: "boolean" }).notNull().default(true),
    notifySystem: integer("notify_system", { mode: "boolean" }).notNull().default(true),
    // Has a /realtime/ws socket open: kept by the user's hub, read by producers to poke only those.
    realtimeOnline: integer("realtime_online", { mode: "boolean" }).notNull().default(false),
    // Last heartbeat, user-socket connect or close: shown as last_seen_at.
    lastSeenAt: text("last_seen_at"),
    // Last heartbeat (POST /users/me/heartbeat) alone: online for a minute after it, without a socket.
    heartbeatAt: text("heartbeat_at"),
    // The last login (or registration): when, from which address and client. Shown to the user and
    // to system admins only (GET /users/{id}/connection).
    lastLoginAt: text("last_login_at"),
    lastIp: text("last_ip"),
    lastUserAgent: text("last_user_agent"),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("users_username_lower_unique").on(sql`lower(${t.username})`),
    // Who to poke for a notice to everyone: only the users with a socket open.
    index("users_realtime_online_idx").on(t.id).where(sql`realtime_online = 1`),
    // Who sent a heartbeat lately (presence without a socket).
    index("users_heartbeat_idx").on(t.heartbeatAt),
    // GET /avatars/{file_id} serves only files that are someone's avatar.
    index("users_avatar_file_idx").on(t.avatarFileId).where(sql`avatar_file_id IS NOT NULL`),
  ],
);

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

export const follows = sqliteTable(
  "follows",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    followerId: integer("follower_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    followedId: integer("followed_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    followedAt: text("followed_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("follows_pair_unique").on(t.followerId, t.followedId),
    index("follows_followed_idx").on(t.followedId),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
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

export const friendRequests = sqliteTable(
  "friend_requests",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    fromId: integer("from_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    toId: integer("to_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    message: text("message"),
    status: text("status", { enum: ["pending", "accepted", "rejected"] }).notNull().default("pending"),
    createdAt: text("created_at").notNull().default(now),
    respondedAt: text("responded_at"),
  },
  (t) => [
    uniqueIndex("friend_requests_one_pending")
      .on(t.fromId, t.toId)
      .where(sql`status = 'pending'`),
    index("friend_requests_to_idx").on(t.toId, t.status),
  ],
);

/** One row per direction, so each side files the other in its own group. */
export const friendships = sqliteTable(
  "friendships",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    friendId: integer("friend_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    groupName: text("group_name"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("friendships_pair_unique").on(t.userId, t.friendId), index("friendships_group_idx").on(t.userId, t.groupName)],
);

export const blocks = sqliteTable(
  "blocks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    blockerId: integer("blocker_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    blockedId: integer("blocked_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("blocks_pair_unique").on(t.blockerId, t.blockedId), index("blocks_blocked_idx").on(t.blockedId)],
);

/** Uploaded media: bytes in R2 under `key`, metadata here. */
export const files = sqliteTable(
  "files",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    key: text("key").notNull(),
    // Kept when the uploader deletes their account if the file belongs to a room.
    uploaderId: integer("uploader_id").references(() => users.id, { onDelete: "set null" }),
    roomId: integer("room_id").references(() => rooms.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    size: integer("size").notNull(),
    contentType: text("content_type").notNull(),
    width: integer("width"),
    height: integer("height"),
    etag: text("etag"),
    // "avatar": a user's or group's picture (src/avatars), never a message's media and never
    // deleted through the files API or with a message, only by replacing or removing the picture.
    purpose: text("purpose", { enum: ["media", "avatar"] }).notNull().default("media"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("files_key_unique").on(t.key),
    index("files_uploader_idx").on(t.uploaderId, t.id),
    index("files_room_idx").on(t.roomId),
    // The expiry of uploads never attached to anything (src/ops/cleanup.ts).
    index("files_unattached_idx").on(t.createdAt).where(sql`room_id IS NULL AND purpose = 'media'`),
  ],
);

/**
 * R2 keys whose rows are gone and whose objects must go too. Filled by a trigger on `files` in the
 * same statement that deletes the rows (direct deletes and cascades from rooms alike), emptied as
 * the objects are deleted: by the request itself first, then by the cron until they are gone.
 */
export const r2Cleanup = sqliteTable("r2_cleanup", {
  key: text("key").primaryKey(),
  attempts: integer("attempts").notNull().default(0),
  lastError: text("last_error"),
  createdAt: text("created_at").notNull().default(now),
});

export type FileRow = typeof files.$inferSelect;

export { NOTIFICATION_TYPES };

/** A user's notifications: mentions (written behind by the room), room invitations, system notices. */
export const notifications = sqliteTable(
  "notifications",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type", { enum: NOTIFICATION_TYPES }).notNull(),
    title: text("title").notNull(),
    content: text("content"),
    roomId: integer("room_id").references(() => rooms.id, { onDelete: "set null" }),
    // The message in that room (ids are per room), for mentions.
    messageId: integer("message_id"),
    actorId: integer("actor_id").references(() => users.id, { onDelete: "set null" }),
    isRead: integer("is_read", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [
    index("notifications_user_idx").on(t.userId, t.id),
    index("notifications_unread_idx").on(t.userId, t.type).where(sql`is_read = 0`),
    index("notifications_room_idx").on(t.roomId),
    index("notifications_actor_idx").on(t.actorId),
  ],
);

/**
 * Admin broadcasts: one announcement posted as a `system` message into group rooms, either a given
 * list or every group room that existed when it was sent. Delivered by its own Durable Object
 * (src/broadcasts/sender.ts), which walks the targets in room id order and records its progress here.
 */
export const broadcasts = sqliteTable(
  "broadcasts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    senderId: integer("sender_id").references(() => users.id, { onDelete: "set null" }),
    senderName: text("sender_name").notNull(),
    content: text("content").notNull(),
    // The targets: a JSON array of room ids, or null for every group room with id <= up_to_room_id.
    roomIds: text("room_ids"),
    upToRoomId: integer("up_to_room_id").notNull().default(0),
    clientId: text("client_id"),
    status: text("status", { enum: ["sending", "done"] }).notNull().default("sending"),
    roomsTotal: integer("rooms_total").notNull(),
    // Delivery progress: every target room with an id <= cursor has the message.
    cursor: integer("cursor").notNull().default(0),
    roomsDelivered: integer("rooms_delivered").notNull().default(0),
    createdAt: text("created_at").notNull().default(now),
    finishedAt: text("finished_at"),
  },
  (t) => [uniqueIndex("broadcasts_client_unique").on(t.senderId, t.clientId)],
);

export type BroadcastRow = typeof broadcasts.$inferSelect;

/**
 * Events clients report (the reference specs' event system: check-ins, alarms ...): a typed,
 * timestamped record with a small JSON payload, optionally about a room. Kept with the account.
 */
export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    payload: text("payload"),
    roomId: integer("room_id").references(() => rooms.id, { onDelete: "set null" }),
    // Exactly once: a retried report with the same client_id returns the first.
    clientId: text("client_id"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("events_user_client_unique").on(t.userId, t.clientId),
    index("events_user_idx").on(t.userId, t.id),
    index("events_type_idx").on(t.type, t.id),
    // Retention (EVENTS_RETENTION_DAYS) deletes by age.
    index("events_created_idx").on(t.createdAt),
  ],
);

export type EventRow = typeof events.$inferSelect;

/** Reusable system notices (seed 003's notification templates): `{{name}}` placeholders in title and content. */
export const notificationTemplates = sqliteTable(
  "notification_templates",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    title: text("title").notNull(),
    content: text("content"),
    createdById: integer("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("notification_templates_name_unique").on(t.name)],
);

export type NotificationTemplateRow = typeof notificationTemplates.$inferSelect;

// ---------------------------------------------------------------- sessions (src/auth/sessions.ts)

/**
 * A login: every access token names one (its `sid`), and the request check joins it, so ending a
 * session ends its tokens at once. "short" sessions renew 15-minute access tokens with a rotating
 * refresh token; "legacy" ones (logins of clients that know no refresh) carry one long-lived token.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["short", "legacy"] }).notNull(),
    // SHA-256 (base64url) of the refresh token that may be used next; null for legacy sessions.
    refreshHash: text("refresh_hash"),
    createdAt: text("created_at").notNull().default(now),
    // Written at most once a minute per session (the request check compares first).
    lastUsedAt: text("last_used_at").notNull().default(now),
    // Short: the refresh token's lifetime, renewed by every rotation. Legacy: the token's own expiry.
    expiresAt: text("expires_at").notNull(),
    userAgent: text("user_agent"),
    ip: text("ip"),
  },
  (t) => [index("sessions_user_idx").on(t.userId, t.expiresAt)],
);

/**
 * Every refresh token a session was given (hashed), so that a rotated one that comes back is known
 * for what it is: reuse, which ends the session (OAuth 2.0 Security BCP). Pruned with the session
 * and once older than the refresh lifetime.
 */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    hash: text("hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [index("refresh_tokens_session_idx").on(t.sessionId, t.createdAt)],
);

/** Single-use, 30-second tickets for opening a socket without a token in the URL (hashed). */
export const socketTickets = sqliteTable(
  "socket_tickets",
  {
    hash: text("hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    userId: integer("user_id").notNull(),
    tokenVersion: integer("token_version").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("socket_tickets_expires_idx").on(t.expiresAt)],
);

/**
 * Failed password checks per key (an account at an address, an address, a user), in fixed windows:
 * the guessing throttles count failures only (src/auth/guesses.ts). A key reaching its limit is
 * locked until `locked_until` (ms); a sign-in reads the lock before hashing anything.
 */
export const authFailures = sqliteTable(
  "auth_failures",
  {
    key: text("key").primaryKey(),
    windowStart: integer("window_start").notNull(),
    failures: integer("failures").notNull(),
    lockedUntil: integer("locked_until").notNull().default(0),
  },
  // The cron's sweep of stale rows.
  (t) => [index("auth_failures_window_idx").on(t.windowStart)],
);
