// Follows, for every door: one-way subscriptions between users (follow, unfollow, who the caller
// follows, who follows them). A block either way refuses a follow without revealing itself.
import { and, desc, eq, sql } from "drizzle-orm";
import { blockBetween } from "../blocks/queries";
import { getDb } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { follows, users } from "../db/schema";
import { badRequest, conflict, forbidden, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { selectFollows, toFollow, type Follow } from "./queries";

export type { Follow };
type Page = { limit: number; offset: number };

/** The caller's follows one way, newest first: whom they follow ("following") or who follows them ("followers"). */
export async function listFollows(c: Caller, side: "following" | "followers", page: Page): Promise<Follow[]> {
  const rows = await selectFollows(getDb(c.env.DB))
    .where(eq(side === "following" ? follows.followerId : follows.followedId, c.var.user.id))
    .orderBy(desc(follows.id))
    .limit(page.limit)
    .offset(page.offset)
    .all();
  return rows.map(toFollow);
}

/** The caller follows a user (409 already_following; 403 cannot_follow for a block either way). */
export async function follow(c: Caller, userId: number): Promise<Follow> {
  const me = c.var.user.id;
  if (userId === me) throw badRequest("cannot_follow_self", "You cannot follow yourself");
  const db = getDb(c.env.DB);
  const target = await db.select({ blocked: sql<number>`${blockBetween(me, users.id)}` }).from(users).where(eq(users.id, userId)).get();
  if (!target) throw notFound("User");
  // A block either way refuses with a generic answer that does not reveal the block.
  const cannotFollow = () => forbidden("You cannot follow this user", "cannot_follow");
  if (target.blocked) throw cannotFollow();
  let row;
  try {
    row = await db.get<{ id: number } | undefined>(
      sql`INSERT INTO ${follows} (follower_id, followed_id) SELECT ${me}, ${userId} WHERE NOT ${blockBetween(me, userId)} RETURNING id`,
    );
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict("already_following", "You already follow this user");
    throw e;
  }
  if (!row) throw cannotFollow();
  return toFollow((await selectFollows(db).where(eq(follows.id, row.id)).get())!);
}

/** The caller stops following a user (404 not_following). */
export async function unfollow(c: Caller, userId: number): Promise<void> {
  const gone = await getDb(c.env.DB)
    .delete(follows)
    .where(and(eq(follows.followerId, c.var.user.id), eq(follows.followedId, userId)))
    .returning({ id: follows.id })
    .all();
  if (!gone.length) throw notFound("Follow", "not_following");
}
