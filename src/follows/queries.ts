// Follow rows with both users' names: the read model of follows/service.ts.
import { eq } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db, RowOf } from "../db/client";
import { follows, users } from "../db/schema";

const follower = alias(users, "follower");
const followed = alias(users, "followed");

export const selectFollows = (db: Db) =>
  db
    .select({ f: follows, followerName: follower.username, followedName: followed.username })
    .from(follows)
    .innerJoin(follower, eq(follower.id, follows.followerId))
    .innerJoin(followed, eq(followed.id, follows.followedId));

export type Follow = ReturnType<typeof toFollow>;
export const toFollow = (r: RowOf<typeof selectFollows>) => ({
  id: r.f.id,
  follower_id: r.f.followerId,
  followed_id: r.f.followedId,
  followed_at: r.f.followedAt,
  follower_name: r.followerName,
  followed_name: r.followedName,
});
