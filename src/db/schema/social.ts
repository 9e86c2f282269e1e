// The social graph between users: follows, friend requests, friendships (one row per direction)
// and blocks.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { now } from "./columns";
import { users } from "./users";

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
