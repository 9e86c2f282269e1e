// Uploaded media (bytes in R2, metadata here) and the queue of R2 objects left to delete.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { now } from "./columns";
import { rooms } from "./rooms";
import { users } from "./users";

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
