// Accounts after registration: your own profile, password change, account deletion, user
// search and public profiles.
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, inArray, isNull, ne, or, sql } from "drizzle-orm";
import { assertPasswordPolicy, verifyPassword, hashPassword } from "../auth/password";
import { activeRooms, closeSockets, reissueAccessToken } from "../auth/sessions";
import { hasBlocked } from "../blocks/queries";
import { getDb, type Db } from "../db/client";
import { contains } from "../db/like";
import { files, follows, roomMembers, rooms, sessions, users } from "../db/schema";
import { friendsBetween } from "../friends/queries";
import { router } from "../http/app-env";
import { ApiError, badRequest, conflict, notFound } from "../http/errors";
import { RULES, throttle } from "../http/throttle";
import { httpsUrl, json, jsonBody, noContent, PageQuery, pick, UserIdParam } from "../http/schemas";
import { deleteObjects } from "../media/files";
import { dropReplaced, updateUser } from "../avatars/routes";
import { hubStub } from "../realtime/push";
import { retryOnce, roomStub } from "../room/client";
import { displayName, email, password, phone, PublicUser, toPublicUser, toUserResponse, UserResponse } from "./schemas";

const UpdateMe = z
  .object({
    display_name: displayName.nullable(),
    email: email.nullable(),
    phone: phone.nullable(),
    // An outside URL, or the user's own uploaded picture sent back unchanged (a whole profile form).
    avatar_url: z.union([httpsUrl, z.string().regex(/^\/api\/v1\/avatars\/[1-9][0-9]{0,15}$/)]).nullable(),
    bio: z.string().max(500).nullable(),
    dm_policy: z.enum(["everyone", "friends"]),
    current_password: z.string().min(1).max(128).openapi({ description: "Required to change email or phone" }),
  })
  .partial()
  .strict()
  .openapi("UpdateMeRequest");

const ChangePassword = z.object({ old_password: z.string().min(1).max(128), new_password: password }).openapi("ChangePasswordRequest");
const DeleteMe = z.object({ password: z.string().min(1).max(128) }).openapi("DeleteAccountRequest");

const wrongPassword = () => new ApiError(403, "wrong_password", "Password is incorrect");

async function loadSelf(db: ReturnType<typeof getDb>, id: number) {
  const me = await db.select().from(users).where(eq(users.id, id)).get();
  if (!me) throw notFound("User");
  return me;
}


export const userRoutes = router()
  .openapi(
    createRoute({ method: "get", path: "/me", tags: ["users"], summary: "Your own account", responses: { 200: json(UserResponse), ...pick(401) } }),
    async (c) => c.json(toUserResponse(await loadSelf(getDb(c.env.DB), c.var.user.id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/me",
      tags: ["users"],
      summary: "Update your profile (only the fields given). Changing email or phone needs current_password",
      request: jsonBody(UpdateMe),
      responses: { 200: json(UserResponse), ...pick(400, 401, 403, 429) },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const db = getDb(c.env.DB);
      const self = b.email !== undefined || b.phone !== undefined || b.avatar_url !== undefined ? await loadSelf(db, c.var.user.id) : null;
      // Email and phone are how an account is reached and recovered: a stolen token alone must not
      // move them elsewhere. Sending them unchanged (a whole profile form) needs nothing.
      if (self && ((b.email !== undefined && b.email !== self.email) || (b.phone !== undefined && b.phone !== self.phone))) {
        if (b.current_password === undefined) throw badRequest("password_required", "Changing email or phone needs current_password");
        await throttle(c.env, RULES.password, `user:${c.var.user.id}`);
        if (!(await verifyPassword(b.current_password, self))) throw wrongPassword();
      }
      const avatarChanged = self !== null && b.avatar_url !== undefined && b.avatar_url !== self.avatarUrl;
      if (avatarChanged && b.avatar_url?.startsWith("/"))
        throw badRequest("invalid_avatar_url", "Upload a picture with PUT /users/me/avatar; avatar_url takes an outside URL");
      const patch = {
        ...(b.display_name !== undefined && { displayName: b.display_name }),
        ...(b.email !== undefined && { email: b.email }),
        ...(b.phone !== undefined && { phone: b.phone }),
        // An outside URL replaces an uploaded picture, which then goes.
        ...(avatarChanged && { avatarUrl: b.avatar_url, avatarFileId: null }),
        ...(b.bio !== undefined && { bio: b.bio }),
        ...(b.dm_policy !== undefined && { dmPolicy: b.dm_policy }),
      };
      if (Object.keys(patch).length === 0) return c.json(toUserResponse(self ?? (await loadSelf(db, c.var.user.id))), 200);
      // What the update replaced is read in the same transaction, so a concurrent upload is not lost.
      const { replaced, user } = await updateUser(db, c.var.user.id, patch);
      if (avatarChanged) await dropReplaced(c.env, db, replaced);
      return c.json(toUserResponse(user), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/password",
      tags: ["users"],
      summary: "Change your password (the old one is required); returns a fresh token, older tokens stop working",
      request: jsonBody(ChangePassword),
      responses: {
        200: json(z.object({ access_token: z.string(), token_type: z.literal("bearer"), expires_in: z.number().int() })),
        ...pick(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { old_password, new_password } = c.req.valid("json");
      assertPasswordPolicy(c.env, new_password, "body.new_password");
      const db = getDb(c.env.DB);
      await throttle(c.env, RULES.password, `user:${c.var.user.id}`);
      const me = await loadSelf(db, c.var.user.id);
      if (!(await verifyPassword(old_password, me))) throw wrongPassword();
      // Every other session ends with the old password (a thief's refresh token included); this
      // one goes on with a fresh access token.
      const [[row]] = await db.batch([
        db
          .update(users)
          .set({ ...(await hashPassword(new_password)), tokenVersion: me.tokenVersion + 1, updatedAt: new Date().toISOString() })
          .where(eq(users.id, me.id))
          .returning(),
        db.delete(sessions).where(and(eq(sessions.userId, me.id), ne(sessions.id, c.var.user.sessionId))),
      ]);
      // Sockets opened with the old tokens close (4001) in every room; the client reconnects with
      // the new token. The password has changed whatever happens to these calls: failures are logged.
      const memberships = await activeRooms(db, me.id).all();
      const closed = await Promise.allSettled(closeSockets(c.env, me.id, memberships.map((m) => m.roomId), 4001, "signed out: the password changed"));
      for (const r of closed) if (r.status === "rejected") console.error("password change: a room's sockets were not closed", r.reason);
      return c.json(await reissueAccessToken(c.env, row, c.var.user), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me",
      tags: ["users"],
      summary: "Delete your account (password required). Refused while you own rooms: transfer or delete them first.",
      request: jsonBody(DeleteMe),
      responses: { ...noContent, ...pick(400, 401, 403, 409, 429) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      await throttle(c.env, RULES.password, `user:${c.var.user.id}`);
      const me = await loadSelf(db, c.var.user.id);
      if (!(await verifyPassword(c.req.valid("json").password, me))) throw wrongPassword();
      // One batch, every statement guarded by "owns no group room": an ownership transferred to
      // this user after any earlier check makes the whole batch a no-op (and a 409), never a
      // half-deleted account or a room owned by nobody.
      const ownsNone = sql`NOT EXISTS (SELECT 1 FROM ${rooms} o WHERE o.creator_id = ${me.id} AND o.kind = 'group')`;
      // Direct chats keep rooms.creator_id pointing at a user: hand each to the other side, or
      // delete it when nobody else is left in it.
      const otherSide = sql`(SELECT m.user_id FROM ${roomMembers} m WHERE m.room_id = ${rooms}.id AND m.user_id <> ${me.id} LIMIT 1)`;
      const mine = and(eq(rooms.creatorId, me.id), eq(rooms.kind, "direct"));
      const emptyDirect = db.select({ id: rooms.id }).from(rooms).where(and(mine, sql`${otherSide} IS NULL`));
      const [memberships, orphanFiles, directFiles, deletedRooms, , gone] = await db.batch([
        activeRooms(db, me.id),
        // Files in rooms stay with their messages (uploader set null); files in no room go now.
        db.delete(files).where(and(eq(files.uploaderId, me.id), isNull(files.roomId), ownsNone)).returning({ key: files.key }),
        db.delete(files).where(and(inArray(files.roomId, emptyDirect), ownsNone)).returning({ key: files.key }),
        db.delete(rooms).where(and(inArray(rooms.id, emptyDirect), ownsNone)).returning({ id: rooms.id }),
        db.update(rooms).set({ creatorId: otherSide }).where(and(mine, ownsNone)),
        // Memberships, follows and join requests go with the user (ON DELETE CASCADE).
        db.delete(users).where(and(eq(users.id, me.id), ownsNone)).returning({ id: users.id }),
      ]);
      if (!gone.length) {
        // Either the user still owns a room, or a concurrent deletion of the same account won.
        if (!(await db.select({ id: users.id }).from(users).where(eq(users.id, me.id)).get())) return c.body(null, 204);
        throw conflict("owns_rooms", "You own rooms: transfer ownership or delete them first");
      }
      // The account is gone: its sockets close everywhere, and rooms deleted with it are emptied.
      const destroyed = new Set(deletedRooms.map((r) => r.id));
      await Promise.all([
        ...closeSockets(c.env, me.id, memberships.map((m) => m.roomId).filter((id) => !destroyed.has(id)), 4003, "account deleted"),
        ...deletedRooms.map((r) => retryOnce(() => roomStub(c.env, r.id).destroy())),
      ]);
      // Bytes last: the rows are gone, so a failure here only leaves unreachable objects behind.
      await deleteObjects(c.env, [...orphanFiles, ...directFiles].map((f) => f.key));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/search",
      tags: ["users"],
      summary: "Find users by a keyword in their username or display name",
      request: {
        query: PageQuery.extend({
          q: z.string().trim().min(1).max(64).optional(),
          keyword: z.string().trim().min(1).max(64).optional().openapi({ description: "Alias of q (document 003)" }),
        }).refine((x) => (x.q ?? x.keyword) !== undefined, { message: "give q (or keyword)", path: ["q"] }),
      },
      responses: { 200: json(z.array(PublicUser)), ...pick(400, 401) },
    }),
    async (c) => {
      const { keyword, limit, offset } = c.req.valid("query");
      const q = (c.req.valid("query").q ?? keyword)!;
      const rows = await getDb(c.env.DB)
        .select()
        .from(users)
        .where(or(contains(users.username, q), contains(users.displayName, q)))
        .orderBy(sql`lower(${users.username})`)
        .limit(limit)
        .offset(offset)
        .all();
      return c.json(rows.map(toPublicUser), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{user_id}",
      tags: ["users"],
      summary: "A user's public profile, with follow counts and your relationship to them",
      request: { params: UserIdParam },
      responses: { 200: json(PublicUser), ...pick(400, 401, 404) },
    }),
    async (c) => {
      const { user_id } = c.req.valid("param");
      const me = c.var.user.id;
      // drizzle writes columns of a single-table select unqualified ("id"), which inside these
      // subqueries would mean follows.id; nesting keeps the outer column qualified ("users"."id").
      const them = sql`${users.id}`;
      const row = await getDb(c.env.DB)
        .select({
          user: users,
          followers: sql<number>`(SELECT count(*) FROM ${follows} WHERE ${follows.followedId} = ${them})`,
          following: sql<number>`(SELECT count(*) FROM ${follows} WHERE ${follows.followerId} = ${them})`,
          isFollowing: sql<number>`EXISTS (SELECT 1 FROM ${follows} WHERE ${follows.followerId} = ${me} AND ${follows.followedId} = ${them})`,
          followsYou: sql<number>`EXISTS (SELECT 1 FROM ${follows} WHERE ${follows.followerId} = ${them} AND ${follows.followedId} = ${me})`,
          isFriend: sql<number>`${friendsBetween(me, users.id)}`,
          blocked: sql<number>`${hasBlocked(me, users.id)}`,
        })
        .from(users)
        .where(eq(users.id, user_id))
        .get();
      if (!row) throw notFound("User");
      return c.json(
        {
          ...toPublicUser(row.user),
          followers_count: row.followers,
          following_count: row.following,
          is_following: !!row.isFollowing,
          follows_you: !!row.followsYou,
          is_friend: !!row.isFriend,
          blocked: !!row.blocked,
        },
        200,
      );
    },
  );
