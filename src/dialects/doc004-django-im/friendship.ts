// Document 004's rule that private chats and groups are made between friends: which of some users
// exist and are the caller's friends (one query), and the check before sending into a private chat.
import { eq, sql } from "drizzle-orm";
import type { Context } from "hono";
import { getDb, inIds } from "../../db/client";
import { rooms, users } from "../../db/schema";
import { friendsBetween } from "../../friends/queries";
import type { AppEnv } from "../../http/app-env";
import { fail } from "./envelope";

/** User id -> "is the caller's friend", for those of `ids` that exist (a missing id is no account). */
export async function friendship(c: Context<AppEnv>, ids: number[]): Promise<Map<number, boolean>> {
  if (!ids.length) return new Map();
  const rows = await getDb(c.env.DB)
    .select({ id: users.id, friend: sql<number>`${friendsBetween(c.var.user.id, users.id)}` })
    .from(users)
    .where(inIds(users.id, ids))
    .all();
  return new Map(rows.map((r) => [r.id, !!r.friend]));
}

/**
 * The document's rule: private chats are between friends. Checked for the other side of a direct
 * chat before anything is sent into it: 31 when their account is gone ("成员未找到指用户不存在"),
 * 26 when they are no longer friends; group conversations have no such rule.
 */
export async function requireFriendInDirect(c: Context<AppEnv>, roomId: number) {
  const db = getDb(c.env.DB);
  const room = await db.select({ kind: rooms.kind, key: rooms.directKey }).from(rooms).where(eq(rooms.id, roomId)).get();
  if (room?.kind !== "direct" || !room.key) return;
  const me = c.var.user.id;
  const [a, b] = room.key.split(":").map(Number);
  if (a !== me && b !== me) return; // not yours: the core answers 33
  const other = a === me ? b : a;
  const friend = (await friendship(c, [other])).get(other);
  if (friend === undefined) throw fail(31);
  if (!friend) throw fail(26);
}
