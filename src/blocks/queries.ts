// Block checks other features ask before letting one user reach another (friend requests,
// follows, direct chats, invitations, direct messages). A block in either direction refuses.
import { and, eq, or, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { blocks } from "../db/schema";

/** SQL condition: a block exists between users a and b, in either direction. */
export const blockBetween = (a: number | ReturnType<typeof sql>, b: number | ReturnType<typeof sql>) =>
  sql`EXISTS (SELECT 1 FROM ${blocks} WHERE (${blocks.blockerId} = ${a} AND ${blocks.blockedId} = ${b}) OR (${blocks.blockerId} = ${b} AND ${blocks.blockedId} = ${a}))`;

export async function isBlockedEitherWay(db: Db, a: number, b: number): Promise<boolean> {
  const row = await db
    .select({ id: blocks.id })
    .from(blocks)
    .where(or(and(eq(blocks.blockerId, a), eq(blocks.blockedId, b)), and(eq(blocks.blockerId, b), eq(blocks.blockedId, a))))
    .limit(1)
    .get();
  return !!row;
}
