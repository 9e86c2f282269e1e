// Accounts: identity, password hash, profile, privacy and notification settings, and the presence
// and last-login columns the user's own socket and the login routes keep.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { now } from "./columns";

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

export type UserRow = typeof users.$inferSelect;
