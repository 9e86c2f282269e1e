// Room bans: ban a user (membership deactivated, pending applications and invitations rejected,
// sockets closed), list bans, lift a ban. Admission paths refuse banned users (src/members/admit.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { getDb, type Db, type RowOf } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { joinRequests, roomBans, roomInvitations, roomMembers, users } from "../db/schema";
import { router } from "../http/app-env";
import { badRequest, conflict, forbidden, notFound } from "../http/errors";
import { json, jsonBody, noContent, PageQuery, pick, RoomIdParam, UserIdParam } from "../http/schemas";
import { retryOnce, roomStub } from "../room/client";
import { canManageRoom, canModerate, loadRoom, require } from "../rooms/access";
import { bannedFrom } from "./queries";

const BanCreate = z
  .object({ user_id: z.number().int().positive(), reason: z.string().trim().max(500).nullable().optional() })
  .strict()
  .openapi("RoomBanCreate");

const BanResponse = z
  .object({
    id: z.number().int(),
    room_id: z.number().int(),
    user_id: z.number().int(),
    username: z.string().nullable(),
    display_name: z.string().nullable(),
    reason: z.string().nullable(),
    banned_by_id: z.number().int().nullable(),
    banned_by_name: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("RoomBanResponse");

const banned = alias(users, "banned_user");
const banner = alias(users, "banner");

const selectBans = (db: Db) =>
  db
    .select({ b: roomBans, name: banned.username, displayName: banned.displayName, bannerName: banner.username })
    .from(roomBans)
    .leftJoin(banned, eq(banned.id, roomBans.userId))
    .leftJoin(banner, eq(banner.id, roomBans.bannedById));

type Row = RowOf<typeof selectBans>;
const toResponse = (r: Row) => ({
  id: r.b.id,
  room_id: r.b.roomId,
  user_id: r.b.userId,
  username: r.name,
  display_name: r.displayName,
  reason: r.b.reason,
  banned_by_id: r.b.bannedById,
  banned_by_name: r.bannerName,
  created_at: r.b.createdAt,
});

const alreadyBanned = () => conflict("already_banned", "This user is already banned from the room");
const moderatorsOnly = "Only the owner and room admins can manage bans";

export const banRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/bans",
      tags: ["bans"],
      summary:
        "Ban a user: the owner and system admins ban anyone but the owner, room admins ban plain members and non-members. Removes the membership and closes the user's sockets",
      request: { params: RoomIdParam, ...jsonBody(BanCreate) },
      responses: { 200: json(BanResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const me = c.var.user;
      const { user_id, reason } = c.req.valid("json");
      const access = await loadRoom(db, c.req.valid("param").room_id, me);
      require(canModerate(access), moderatorsOnly);
      const roomId = access.room.id;
      if (user_id === me.id) throw badRequest("cannot_ban_self", "You cannot ban yourself");
      const target = await db
        .select({ id: users.id, role: roomMembers.role, banned: sql<number>`${bannedFrom(roomId, users.id)}` })
        .from(users)
        .leftJoin(roomMembers, and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, users.id), eq(roomMembers.status, "active")))
        .where(eq(users.id, user_id))
        .get();
      if (!target) throw notFound("User", "user_not_found");
      if (user_id === access.room.creatorId) throw forbidden("The owner cannot be banned", "cannot_ban_owner");
      if (!canManageRoom(access) && target.role && target.role !== "member")
        throw forbidden("Room admins can only ban plain members and non-members");
      if (target.banned) throw alreadyBanned();

      const now = new Date().toISOString();
      const rejected = { status: "rejected" as const, processedAt: now, processedById: me.id };
      try {
        // The ban row goes first: if a concurrent ban already exists the whole batch rolls back.
        await db.batch([
          db.insert(roomBans).values({ roomId, userId: user_id, bannedById: me.id, reason: reason || null }),
          db
            .update(roomMembers)
            .set({ status: "inactive", role: "member" })
            .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, user_id))),
          db
            .update(joinRequests)
            .set(rejected)
            .where(and(eq(joinRequests.roomId, roomId), eq(joinRequests.applicantId, user_id), eq(joinRequests.status, "pending"))),
          db
            .update(roomInvitations)
            .set(rejected)
            .where(and(eq(roomInvitations.roomId, roomId), eq(roomInvitations.inviteeId, user_id), eq(roomInvitations.status, "pending"))),
        ]);
      } catch (e) {
        if (isUniqueViolation(e)) throw alreadyBanned();
        throw e;
      }
      await retryOnce(() => roomStub(c.env, roomId).kick(user_id));
      const row = await selectBans(db)
        .where(and(eq(roomBans.roomId, roomId), eq(roomBans.userId, user_id)))
        .get();
      return c.json(toResponse(row!), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/bans",
      tags: ["bans"],
      summary: "Users banned from a room, newest first (owner, room admins, system admins)",
      request: { params: RoomIdParam, query: PageQuery },
      responses: { 200: json(z.array(BanResponse)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { limit, offset } = c.req.valid("query");
      const access = await loadRoom(db, c.req.valid("param").room_id, c.var.user);
      require(canModerate(access), moderatorsOnly);
      const rows = await selectBans(db).where(eq(roomBans.roomId, access.room.id)).orderBy(desc(roomBans.id)).limit(limit).offset(offset).all();
      return c.json(rows.map(toResponse), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/bans/{user_id}",
      tags: ["bans"],
      summary: "Lift a ban (the user may apply or be invited again; membership is not restored)",
      request: { params: RoomIdParam.extend(UserIdParam.shape) },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { room_id, user_id } = c.req.valid("param");
      const access = await loadRoom(db, room_id, c.var.user);
      require(canModerate(access), moderatorsOnly);
      const gone = await db
        .delete(roomBans)
        .where(and(eq(roomBans.roomId, access.room.id), eq(roomBans.userId, user_id)))
        .returning({ id: roomBans.id })
        .all();
      if (!gone.length) throw notFound("Ban", "ban_not_found");
      return c.body(null, 204);
    },
  );
