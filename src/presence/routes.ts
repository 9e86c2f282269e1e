// Presence across rooms (mounted under /users): who of the people you share a room with is online,
// and the online state of given users. The room objects write each member's `online` flag behind
// with their summary (~1 s late). Presence is shown only between users who share an active room
// and have no block between them; for anyone else it is `null` (unknown), never a guess.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, ne, sql, type SQLWrapper } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { blockBetween, type UserRef } from "../blocks/queries";
import { getDb, inIds } from "../db/client";
import { roomMembers, users } from "../db/schema";
import { router } from "../http/app-env";
import { json, PageQuery, pick } from "../http/schemas";
import { PublicUser, toPublicUser } from "../users/schemas";

const mine = alias(roomMembers, "mine");
const theirs = alias(roomMembers, "theirs");

/** SQL condition: `a` and `b` are both active members of some room. */
const shareRoom = (a: UserRef, b: UserRef) =>
  sql`EXISTS (SELECT 1 FROM ${roomMembers} x JOIN ${roomMembers} y ON y.room_id = x.room_id
    WHERE x.user_id = ${a} AND x.status = 'active' AND y.user_id = ${b} AND y.status = 'active')`;

/** SQL condition: `u` has a socket open in some room (room_members_online_idx). */
const onlineAnywhere = (u: SQLWrapper) => sql`EXISTS (SELECT 1 FROM ${roomMembers} o WHERE o.user_id = ${u} AND o.online = 1 AND o.status = 'active')`;

const UserIds = z
  .string()
  .transform((raw, ctx) => {
    const parts = raw.split(",").map((s) => s.trim());
    const ids = parts.map(Number);
    if (!parts.length || parts.length > 100 || parts.some((p) => !/^[1-9][0-9]{0,15}$/.test(p)) || ids.some((n) => !Number.isSafeInteger(n))) {
      ctx.addIssue({ code: "custom", message: "1 to 100 user ids, comma separated" });
      return z.NEVER;
    }
    return [...new Set(ids)];
  })
  .openapi({ example: "12,15,40" });

const UserStatus = z.object({ user_id: z.number().int(), online: z.boolean().nullable() }).openapi("UserStatus");

export const presenceRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/status",
      tags: ["presence"],
      summary:
        "Online state of up to 100 users: `online` is true or false for yourself and for users you share an active room with (no block either way), null for anyone else. Unknown ids are left out.",
      request: { query: z.object({ ids: UserIds }) },
      responses: { 200: json(z.array(UserStatus)), ...pick(400, 401) },
    }),
    async (c) => {
      const me = c.var.user.id;
      const ids = c.req.valid("query").ids;
      const rows = await getDb(c.env.DB)
        .select({
          id: users.id,
          online: sql<number>`${onlineAnywhere(users.id)}`,
          visible: sql<number>`${users.id} = ${me} OR (${shareRoom(me, users.id)} AND NOT ${blockBetween(me, users.id)})`,
        })
        .from(users)
        .where(inIds(users.id, ids))
        .all();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const out = ids.flatMap((id) => {
        const r = byId.get(id);
        return r ? [{ user_id: id, online: r.visible ? !!r.online : null }] : [];
      });
      return c.json(out, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/online",
      tags: ["presence"],
      summary: "Users you share an active room with who are online now (no block either way), by username",
      request: { query: PageQuery },
      responses: { 200: json(z.array(PublicUser)), ...pick(400, 401) },
    }),
    async (c) => {
      const me = c.var.user.id;
      const { limit, offset } = c.req.valid("query");
      const rows = await getDb(c.env.DB)
        .selectDistinct({ user: users })
        .from(mine)
        .innerJoin(theirs, and(eq(theirs.roomId, mine.roomId), eq(theirs.status, "active"), eq(theirs.online, true), ne(theirs.userId, me)))
        .innerJoin(users, eq(users.id, theirs.userId))
        .where(and(eq(mine.userId, me), eq(mine.status, "active"), sql`NOT ${blockBetween(me, users.id)}`))
        .orderBy(asc(sql`lower(${users.username})`), asc(users.id))
        .limit(limit)
        .offset(offset)
        .all();
      return c.json(rows.map((r) => toPublicUser(r.user)), 200);
    },
  );
