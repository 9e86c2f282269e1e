// Block checks other features ask before letting one user reach another (friend requests,
// follows, direct chats, invitations, direct messages). A block in either direction refuses.
import { and, eq, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { directKey } from "../conversations/queries";
import type { Db } from "../db/client";
import { blocks, rooms } from "../db/schema";

/** A user id, or an SQL expression / column yielding one (for correlated subqueries). */
export type UserRef = number | SQLWrapper;

/** Condition on a two-user table: the row links a and b, in either direction. */
export const pairEitherWay = (colA: SQLWrapper, colB: SQLWrapper, a: UserRef, b: UserRef) =>
  sql`((${colA} = ${a} AND ${colB} = ${b}) OR (${colA} = ${b} AND ${colB} = ${a}))`;

/** SQL condition: a block exists between users a and b, in either direction. */
export const blockBetween = (a: UserRef, b: UserRef) =>
  sql`EXISTS (SELECT 1 FROM ${blocks} WHERE ${pairEitherWay(blocks.blockerId, blocks.blockedId, a, b)})`;

/** SQL condition: `blocker` has blocked `blocked` (one direction only). */
export const hasBlocked = (blocker: UserRef, blocked: UserRef) =>
  sql`EXISTS (SELECT 1 FROM ${blocks} WHERE ${blocks.blockerId} = ${blocker} AND ${blocks.blockedId} = ${blocked})`;

/**
 * Goes into the batch of every block and unblock: bumps the direct chat's block version in the
 * same transaction as the change, so each version names exactly one block state.
 */
export const bumpBlockVersion = (db: Db, a: number, b: number, onlyIf?: SQL) =>
  db
    .update(rooms)
    .set({ blockVersion: sql`${rooms.blockVersion} + 1` })
    .where(and(eq(rooms.directKey, directKey(a, b)), onlyIf));
