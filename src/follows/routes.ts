// Follows: one-way subscriptions between users (follow, unfollow, who I follow, who follows me).
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { blockBetween } from "../blocks/queries";
import { getDb, type Db, type RowOf } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { follows, users } from "../db/schema";
import { router } from "../http/app-env";
import { badRequest, conflict, forbidden, notFound } from "../http/errors";
import { json, noContent, PageQuery, pick, UserIdParam } from "../http/schemas";

const FollowResponse = z
  .object({
    id: z.number().int(),
    follower_id: z.number().int(),
    followed_id: z.number().int(),
    followed_at: z.string(),
    follower_name: z.string().nullable(),
    followed_name: z.string().nullable(),
  })
  .openapi("UserFollowResponse");

const follower = alias(users, "follower");
const followed = alias(users, "followed");

const selectFollows = (db: Db) =>
  db
    .select({ f: follows, followerName: follower.username, followedName: followed.username })
    .from(follows)
    .innerJoin(follower, eq(follower.id, follows.followerId))
    .innerJoin(followed, eq(followed.id, follows.followedId));

type Row = RowOf<typeof selectFollows>;
const toResponse = (r: Row) => ({
  id: r.f.id,
  follower_id: r.f.followerId,
  followed_id: r.f.followedId,
  followed_at: r.f.followedAt,
  follower_name: r.followerName,
  followed_name: r.followedName,
});

const listRoute = (path: string, summary: string) =>
  createRoute({
    method: "get",
    path,
    tags: ["follows"],
    summary,
    request: { query: PageQuery },
    responses: { 200: json(z.array(FollowResponse)), ...pick(400, 401) },
  });

export const followRoutes = router()
  .openapi(listRoute("/me/following", "Users you follow, newest first"), async (c) => {
    const { limit, offset } = c.req.valid("query");
    const rows = await selectFollows(getDb(c.env.DB))
      .where(eq(follows.followerId, c.var.user.id))
      .orderBy(desc(follows.id))
      .limit(limit)
      .offset(offset)
      .all();
    return c.json(rows.map(toResponse), 200);
  })
  .openapi(listRoute("/me/followers", "Users who follow you, newest first"), async (c) => {
    const { limit, offset } = c.req.valid("query");
    const rows = await selectFollows(getDb(c.env.DB))
      .where(eq(follows.followedId, c.var.user.id))
      .orderBy(desc(follows.id))
      .limit(limit)
      .offset(offset)
      .all();
    return c.json(rows.map(toResponse), 200);
  })
  .openapi(
    createRoute({
      method: "post",
      path: "/{user_id}/follow",
      tags: ["follows"],
      summary: "Follow a user",
      request: { params: UserIdParam },
      responses: { 200: json(FollowResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { user_id } = c.req.valid("param");
      const me = c.var.user.id;
      if (user_id === me) throw badRequest("cannot_follow_self", "You cannot follow yourself");
      const db = getDb(c.env.DB);
      const target = await db.select({ blocked: sql<number>`${blockBetween(me, users.id)}` }).from(users).where(eq(users.id, user_id)).get();
      if (!target) throw notFound("User");
      // A block either way refuses with a generic answer that does not reveal the block.
      const cannotFollow = () => forbidden("You cannot follow this user", "cannot_follow");
      if (target.blocked) throw cannotFollow();
      let row;
      try {
        row = await db.get<{ id: number } | undefined>(
          sql`INSERT INTO ${follows} (follower_id, followed_id) SELECT ${me}, ${user_id} WHERE NOT ${blockBetween(me, user_id)} RETURNING id`,
        );
      } catch (e) {
        if (isUniqueViolation(e)) throw conflict("already_following", "You already follow this user");
        throw e;
      }
      if (!row) throw cannotFollow();
      return c.json(toResponse((await selectFollows(db).where(eq(follows.id, row.id)).get())!), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{user_id}/unfollow",
      tags: ["follows"],
      summary: "Stop following a user",
      request: { params: UserIdParam },
      responses: { ...noContent, ...pick(400, 401, 404) },
    }),
    async (c) => {
      const { user_id } = c.req.valid("param");
      const db = getDb(c.env.DB);
      const gone = await db
        .delete(follows)
        .where(and(eq(follows.followerId, c.var.user.id), eq(follows.followedId, user_id)))
        .returning({ id: follows.id })
        .all();
      if (!gone.length) throw notFound("Follow", "not_following");
      return c.body(null, 204);
    },
  );
