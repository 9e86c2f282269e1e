// Ban queries: the check other features ask before letting someone into a room (admission, join
// requests, invitations, invite codes; ids or columns, so it works inside guarded statements),
// and the bans feature's read model.
import { eq, sql, type SQLWrapper } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db, RowOf } from "../db/client";
import { roomBans, users } from "../db/schema";

type Ref = number | SQLWrapper;

/** SQL condition: the user is banned from the room. */
export const bannedFrom = (roomId: Ref, userId: Ref) =>
  sql`EXISTS (SELECT 1 FROM ${roomBans} WHERE ${roomBans.roomId} = ${roomId} AND ${roomBans.userId} = ${userId})`;

const banned = alias(users, "banned_user");
const banner = alias(users, "banner");

export const selectBans = (db: Db) =>
  db
    .select({ b: roomBans, name: banned.username, displayName: banned.displayName, bannerName: banner.username })
    .from(roomBans)
    .leftJoin(banned, eq(banned.id, roomBans.userId))
    .leftJoin(banner, eq(banner.id, roomBans.bannedById));

export type Ban = ReturnType<typeof toBan>;
export const toBan = (r: RowOf<typeof selectBans>) => ({
  id: r.b.id,
  room_id: r.b.roomId,
  user_id: r.b.userId,
  username: r.name,
  display_name: r.displayName,
  reason: r.b.reason,
  banned_by_id: r.b.bannedById,
  banned_by_name: r.bannerName,
  created_at: r.b.createdAt,
});
