// The D1 reads of conversations: the key that makes a direct chat unique per pair, and a group
// conversation's members with their accounts.
import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { roomMembers, users } from "../db/schema";

/** The pair's direct_key: the same whoever opens the chat. */
export const directKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

/** A group's active members, owner first. */
export const groupMembers = (db: Db, roomId: number) =>
  db
    .select({ id: users.id, username: users.username, display_name: users.displayName, avatar_url: users.avatarUrl, role: roomMembers.role })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.status, "active")))
    .orderBy(sql`${roomMembers.role} <> 'owner'`, asc(roomMembers.id))
    .all();
