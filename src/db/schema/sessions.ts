// Sign-in state (src/auth/): sessions, the refresh tokens they were given, socket tickets and the
// guessing throttles' failure counts.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { now } from "./columns";
import { users } from "./users";

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
