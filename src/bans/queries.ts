// Ban checks other features ask before letting someone into a room (admission, join requests,
// invitations, invite codes). Ids or columns, so they work inside guarded statements.
import { sql, type SQLWrapper } from "drizzle-orm";
import { roomBans } from "../db/schema";

type Ref = number | SQLWrapper;

/** SQL condition: the user is banned from the room. */
export const bannedFrom = (roomId: Ref, userId: Ref) =>
  sql`EXISTS (SELECT 1 FROM ${roomBans} WHERE ${roomBans.roomId} = ${roomId} AND ${roomBans.userId} = ${userId})`;
