// Keeps a direct chat's room object in step with blocks: while either user blocks the other, the
// room refuses messages from both, over REST and sockets alike.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rooms } from "../db/schema";
import { directKey } from "../conversations/routes";
import { retryOnce, roomStub } from "../room/client";
import { blockBetween } from "./queries";

/**
 * Called after a block or unblock is stored. One statement bumps the chat's block version and
 * reads the block state, so versions follow D1's commit order; two racing calls may reach the room
 * in either order, and the room keeps the state with the higher version.
 */
export async function syncDirectChatBlock(env: Env, db: Db, a: number, b: number): Promise<void> {
  const room = await db
    .update(rooms)
    .set({ blockVersion: sql`${rooms.blockVersion} + 1` })
    .where(eq(rooms.directKey, directKey(a, b)))
    .returning({ id: rooms.id, version: rooms.blockVersion, blocked: sql<number>`${blockBetween(a, b)}` })
    .get();
  // Safe to repeat: the room ignores a version it already has.
  if (room) await retryOnce(() => roomStub(env, room.id).setPostingBlocked(room.id, !!room.blocked, room.version));
}
