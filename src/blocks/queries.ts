// Block checks other features ask before letting one user reach another (friend requests,
// follows, direct chats, invitations, direct messages). A block in either direction refuses.
import { sql, type SQLWrapper } from "drizzle-orm";
import { blocks } from "../db/schema";

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
