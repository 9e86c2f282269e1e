// Avatars: a user's picture and a group's, uploaded through the media pipeline (images only) and
// served publicly at a stable URL (/api/v1/avatars/{file_id}): every list that shows a user or a
// room carries it, and browsers and shared caches keep it, as an id's bytes never change.
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import type { Context } from "hono";
import { getDb, type Db } from "../db/client";
import { files, rooms, users } from "../db/schema";
import { router, type AppEnv } from "../http/app-env";
import { badRequest, notFound } from "../http/errors";
import { errors, json, pick, RoomIdParam } from "../http/schemas";
import { serveFile } from "../media/download";
import { deleteFile } from "../media/service";
import { FileIdParam, UploadBody } from "../media/schemas";
import { receiveUpload } from "../media/upload";
import { canManageRoom, loadRoom, require } from "../rooms/access";
import { toUserResponse, UserResponse } from "../users/schemas";

export const avatarPath = (fileId: number) => `/api/v1/avatars/${fileId}`;
const YEAR = 365 * 24 * 3600;

const upload = {
  body: { content: { "multipart/form-data": { schema: { ...UploadBody, properties: { file: UploadBody.properties.file } } } }, required: true },
};
const uploadErrors = {
  411: { ...errors[400], description: "Content-Length missing" },
  413: { ...errors[400], description: "Larger than MAX_UPLOAD_BYTES (payload_too_large), or over USER_STORAGE_QUOTA_BYTES (quota_exceeded)" },
  415: { ...errors[400], description: "Not a JPEG, PNG, GIF or WebP image" },
};
const RoomAvatar = z.object({ room_id: z.number().int(), avatar_url: z.string().nullable() }).openapi("RoomAvatar");

/** Streams an image into storage as a file of nobody's room (a user's) or of the room (a group's). */
const receiveImage = (c: Context<AppEnv>, db: Db, roomId?: number) =>
  receiveUpload(c.env, db, c.req.raw, c.var.user, { kinds: ["image"], purpose: "avatar", ...(roomId !== undefined && { roomId }) });

/** After the swap: the picture it replaced goes, bytes and row (an id is never reused, so no URL breaks into another picture). */
export async function dropReplaced(env: Env, db: Db, oldFileId: number | null | undefined, keep?: number) {
  if (!oldFileId || oldFileId === keep) return;
  const old = await db.select().from(files).where(eq(files.id, oldFileId)).get();
  if (old) await deleteFile(env, db, old).catch((e) => console.error("avatar: the replaced picture was not deleted", e));
}

/**
 * Updates a user (a new picture, none, or other profile fields) in one batch that also reads the
 * uploaded picture it may replace: the batch is one transaction, so two concurrent changes each see
 * what they themselves replaced. Rooms' pictures go the same way (swapRoomAvatar).
 */
export async function updateUser(db: Db, userId: number, set: Partial<typeof users.$inferInsert>) {
  const [[before], [after]] = await db.batch([
    db.select({ fileId: users.avatarFileId }).from(users).where(eq(users.id, userId)),
    db
      .update(users)
      .set({ ...set, updatedAt: new Date().toISOString() })
      .where(eq(users.id, userId))
      .returning(),
  ]);
  return { replaced: before?.fileId ?? null, user: after };
}

const swapUserAvatar = (db: Db, userId: number, fileId: number | null) =>
  updateUser(db, userId, { avatarFileId: fileId, avatarUrl: fileId ? avatarPath(fileId) : null });

async function swapRoomAvatar(db: Db, roomId: number, fileId: number | null) {
  const [[before]] = await db.batch([
    db.select({ fileId: rooms.avatarFileId }).from(rooms).where(eq(rooms.id, roomId)),
    db.update(rooms).set({ avatarFileId: fileId, avatarUrl: fileId ? avatarPath(fileId) : null, updatedAt: new Date().toISOString() }).where(eq(rooms.id, roomId)),
  ]);
  return before?.fileId ?? null;
}

async function groupToManage(c: Context<AppEnv>, db: Db, roomId: number) {
  const access = await loadRoom(db, roomId, c.var.user);
  require(canManageRoom(access), "Only the owner and system admins can change the room's picture");
  return access;
}

/** Under /users: your own picture. */
export const userAvatarRoutes = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/me/avatar",
      tags: ["avatars"],
      summary: "Upload your picture (multipart `file`: JPEG, PNG, GIF or WebP): avatar_url becomes its public URL, and the previous upload is deleted",
      request: upload,
      responses: { 200: json(UserResponse), ...pick(400, 401), ...uploadErrors },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { file } = await receiveImage(c, db);
      const { replaced, user } = await swapUserAvatar(db, c.var.user.id, file.id);
      await dropReplaced(c.env, db, replaced, file.id);
      return c.json(toUserResponse(user), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/avatar",
      tags: ["avatars"],
      summary: "Remove your picture (an uploaded one is deleted; a URL set with PATCH /users/me is cleared)",
      responses: { 200: json(UserResponse), ...pick(401) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { replaced, user } = await swapUserAvatar(db, c.var.user.id, null);
      await dropReplaced(c.env, db, replaced);
      return c.json(toUserResponse(user), 200);
    },
  );

/** Under /chat-rooms: a group's picture. */
export const roomAvatarRoutes = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/{room_id}/avatar",
      tags: ["avatars"],
      summary: "Upload the group's picture (owner, system admins; multipart `file`: JPEG, PNG, GIF or WebP); shown as avatar_url in room lists and the inbox",
      request: { params: RoomIdParam, ...upload },
      responses: { 200: json(RoomAvatar), ...pick(400, 401, 403, 404), ...uploadErrors },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const roomId = c.req.valid("param").room_id;
      // Checked before a byte is stored.
      await groupToManage(c, db, roomId);
      const { file } = await receiveImage(c, db, roomId);
      await dropReplaced(c.env, db, await swapRoomAvatar(db, roomId, file.id), file.id);
      return c.json({ room_id: roomId, avatar_url: avatarPath(file.id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/avatar",
      tags: ["avatars"],
      summary: "Remove the group's picture (owner, system admins)",
      request: { params: RoomIdParam },
      responses: { 200: json(RoomAvatar), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const roomId = c.req.valid("param").room_id;
      await groupToManage(c, db, roomId);
      await dropReplaced(c.env, db, await swapRoomAvatar(db, roomId, null));
      return c.json({ room_id: roomId, avatar_url: null }, 200);
    },
  );

/** At /avatars, without a token: pictures are public, like the names next to them. */
export const avatarFileRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/{file_id}",
    tags: ["avatars"],
    summary: "A user's or a group's picture, public and cacheable for a year (an id's bytes never change). Only files in use as a picture are served",
    security: [],
    request: { params: FileIdParam },
    responses: { 200: { description: "The image", content: { "image/*": { schema: { type: "string", format: "binary" } } } }, ...pick(400, 404) },
  }),
  async (c) => {
    const id = c.req.valid("param").file_id;
    const file = await getDb(c.env.DB)
      .select()
      .from(files)
      .where(
        and(
          eq(files.id, id),
          sql`(EXISTS (SELECT 1 FROM ${users} WHERE ${users.avatarFileId} = ${id}) OR EXISTS (SELECT 1 FROM ${rooms} WHERE ${rooms.avatarFileId} = ${id}))`,
        ),
      )
      .get();
    if (!file) throw notFound("Avatar");
    if (!file.contentType.startsWith("image/")) throw badRequest("not_an_image", "Not an image");
    return serveFile(c.env, c.req.raw, file, YEAR, "public");
  },
);
