// Keeps a direct chat's room object in step with blocks: while either user blocks the other, the
// room refuses messages from both, over REST and sockets alike.
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { rooms } from "../db/schema";
import { directKey } from "../conversations/queries";
import { retryOnce, roomStub } from "../room/client";
import { blockBetween } from "./queries";

/**
 * Goes into the batch of every block and unblock: bumps the chat's block version in the same
 * transaction as the change, so each version names exactly one block state.
 */
export const bumpBlockVersion = (db: Db, a: number, b: number, onlyIf?: SQL) =>
  db
    .update(rooms)
    .set({ blockVersion: sql`${rooms.blockVersion} + 1` })
    .where(and(eq(rooms.directKey, directKey(a, b)), onlyIf));

/**
 * Called after a block or unblock is stored: reads the state with its version (one statement, so
 * a consistent pair) and hands it to the room, which keeps the highest version it was given. Two
 * racing calls may arrive in either order; a lost one is made good by the next socket upgrade.
 */
export async function syncDirectChatBlock(env: Env, db: Db, a: number, b: number): Promise<void> {
  const room = await db
    .select({ id: rooms.id, version: rooms.blockVersion, blocked: sql<number>`${blockBetween(a, b)}` })
    .from(rooms)
    .where(eq(rooms.directKey, directKey(a, b)))
    .get();
  // Safe to repeat: the room ignores a version it already has.
  if (room && room.version > 0) await retryOnce(() => roomStub(env, room.id).setPostingBlocked(!!room.blocked, room.version));
}
