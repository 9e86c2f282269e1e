// Blocks: block / unblock a user and list whom you blocked (mounted under /users). Blocking
// also cuts every tie between the two users (friendship, pending friend requests, follows).
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb, type Db } from "../db/client";
import { bumpBlockVersion, syncDirectChatBlock } from "./direct-chat";
import { isUniqueViolation } from "../db/errors";
import { blocks, follows, friendRequests, friendships, users } from "../db/schema";
import { router } from "../http/app-env";
import { badRequest, conflict, notFound } from "../http/errors";
import { json, noContent, PageQuery, pick, UserIdParam } from "../http/schemas";
import { requestPending } from "../friends/queries";
import { pairEitherWay } from "./queries";

const BlockedUser = z
  .object({
    id: z.number().int(),
    username: z.string(),
    display_name: z.string().nullable(),
    avatar_url: z.string().nullable(),
    blocked_at: z.string(),
  })
  .openapi("BlockedUser");

const selectBlocked = (db: Db) =>
  db
    .select({
      id: users.id,
      username: users.username,
      display_name: users.displayName,
      avatar_url: users.avatarUrl,
      blocked_at: blocks.createdAt,
    })
    .from(blocks)
    .innerJoin(users, eq(users.id, blocks.blockedId));

export const blockRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/me/blocked",
      tags: ["blocks"],
      summary: "Users you blocked, most recent first",
      request: { query: PageQuery },
      responses: { 200: json(z.array(BlockedUser)), ...pick(400, 401) },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid("query");
      const rows = await selectBlocked(getDb(c.env.DB))
        .where(eq(blocks.blockerId, c.var.user.id))
        .orderBy(desc(blocks.id))
        .limit(limit)
        .offset(offset)
        .all();
      return c.json(rows, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{user_id}/block",
      tags: ["blocks"],
      summary:
        "Block a user: removes your friendship, pending friend requests and follows between you. 409 when already blocked.",
      request: { params: UserIdParam },
      responses: { 200: json(BlockedUser), ...pick(400, 401, 404, 409) },
    }),
    async (c) => {
      const { user_id: them } = c.req.valid("param");
      const me = c.var.user.id;
      if (them === me) throw badRequest("cannot_block_self", "You cannot block yourself");
      const db = getDb(c.env.DB);
      const target = await db.select({ id: users.id }).from(users).where(eq(users.id, them)).get();
      if (!target) throw notFound("User", "user_not_found");
      try {
        // All or nothing: a duplicate block aborts the batch before any tie is cut.
        await db.batch([
          db.insert(blocks).values({ blockerId: me, blockedId: them }),
          db.delete(friendships).where(pairEitherWay(friendships.userId, friendships.friendId, me, them)),
          db.delete(friendRequests).where(and(requestPending(), pairEitherWay(friendRequests.fromId, friendRequests.toId, me, them))),
          db.delete(follows).where(pairEitherWay(follows.followerId, follows.followedId, me, them)),
          bumpBlockVersion(db, me, them),
        ]);
      } catch (e) {
        if (isUniqueViolation(e)) throw conflict("already_blocked", "You already blocked this user");
        throw e;
      }
      const row = await selectBlocked(db)
        .where(and(eq(blocks.blockerId, me), eq(blocks.blockedId, them)))
        .get();
      // The user deleted their account in between: the block went with them.
      if (!row) throw notFound("User", "user_not_found");
      await syncDirectChatBlock(c.env, db, me, them);
      return c.json(row, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{user_id}/block",
      tags: ["blocks"],
      summary: "Unblock a user (friendship and follows are not restored)",
      request: { params: UserIdParam },
      responses: { ...noContent, ...pick(400, 401, 404) },
    }),
    async (c) => {
      const { user_id: them } = c.req.valid("param");
      const db = getDb(c.env.DB);
      const [gone] = await db.batch([
        db
          .delete(blocks)
          .where(and(eq(blocks.blockerId, c.var.user.id), eq(blocks.blockedId, them)))
          .returning({ id: blocks.id }),
        // Only when a block was removed: otherwise the chat's state did not change.
        bumpBlockVersion(db, c.var.user.id, them, sql`changes() > 0`),
      ]);
      if (!gone.length) throw notFound("Block", "not_blocked");
      // Their direct chat accepts messages again unless they block each other the other way too.
      await syncDirectChatBlock(c.env, db, c.var.user.id, them);
      return c.body(null, 204);
    },
  );
