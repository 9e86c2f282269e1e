// Avatars, for every door: a user's picture and a group's, uploaded through the media pipeline
// (images only) and served publicly at a stable URL (/api/v1/avatars/{file_id}); the picture a
// change replaces is deleted, bytes and row. Only files in use as a picture are served.
import { and, eq, sql } from "drizzle-orm";
import { getDb, type Db } from "../db/client";
import { files, rooms, users, type FileRow } from "../db/schema";
import { badRequest, notFound } from "../http/errors";
import { deleteFile } from "../media/service";
import { receiveUpload } from "../media/upload";
import type { Caller } from "../messages/common";
import { canManageRoom, loadRoom, require } from "../rooms/access";
import { updateUser } from "../users/queries";
import { toUserResponse, type UserView } from "../users/schemas";

export const avatarPath = (fileId: number) => `/api/v1/avatars/${fileId}`;

export type RoomAvatar = { room_id: number; avatar_url: string | null };

/** Streams an image into storage as a file of nobody's room (a user's) or of the room (a group's). */
const receiveImage = (c: Caller, db: Db, upload: Request, roomId?: number) =>
  receiveUpload(c.env, db, upload, c.var.user, { kinds: ["image"], purpose: "avatar", ...(roomId !== undefined && { roomId }) });

/** After the swap: the picture it replaced goes, bytes and row (an id is never reused, so no URL breaks into another picture). */
export async function dropReplaced(env: Env, db: Db, oldFileId: number | null | undefined, keep?: number) {
  if (!oldFileId || oldFileId === keep) return;
  const old = await db.select().from(files).where(eq(files.id, oldFileId)).get();
  if (old) await deleteFile(env, db, old).catch((e) => console.error("avatar: the replaced picture was not deleted", e));
}

const swapUserAvatar = (db: Db, userId: number, fileId: number | null) =>
  updateUser(db, userId, { avatarFileId: fileId, avatarUrl: fileId ? avatarPath(fileId) : null });

/** Like updateUser: the swap reads what it replaced in the same transaction. */
async function swapRoomAvatar(db: Db, roomId: number, fileId: number | null) {
  const [[before]] = await db.batch([
    db.select({ fileId: rooms.avatarFileId }).from(rooms).where(eq(rooms.id, roomId)),
    db.update(rooms).set({ avatarFileId: fileId, avatarUrl: fileId ? avatarPath(fileId) : null, updatedAt: new Date().toISOString() }).where(eq(rooms.id, roomId)),
  ]);
  return before?.fileId ?? null;
}

async function groupToManage(c: Caller, db: Db, roomId: number) {
  const access = await loadRoom(db, roomId, c.var.user);
  require(canManageRoom(access), "Only the owner and system admins can change the room's picture");
  return access;
}

/** The caller's picture from a multipart upload (`file`): avatar_url becomes its public URL. */
export async function setMyAvatar(c: Caller, upload: Request): Promise<UserView> {
  const db = getDb(c.env.DB);
  const { file } = await receiveImage(c, db, upload);
  const { replaced, user } = await swapUserAvatar(db, c.var.user.id, file.id);
  await dropReplaced(c.env, db, replaced, file.id);
  return toUserResponse(user);
}

/** Removes the caller's picture (an uploaded one is deleted; an outside URL is cleared). */
export async function removeMyAvatar(c: Caller): Promise<UserView> {
  const db = getDb(c.env.DB);
  const { replaced, user } = await swapUserAvatar(db, c.var.user.id, null);
  await dropReplaced(c.env, db, replaced);
  return toUserResponse(user);
}

/** A group's picture (owner, system admins), checked before a byte is stored. */
export async function setRoomAvatar(c: Caller, roomId: number, upload: Request): Promise<RoomAvatar> {
  const db = getDb(c.env.DB);
  await groupToManage(c, db, roomId);
  const { file } = await receiveImage(c, db, upload, roomId);
  await dropReplaced(c.env, db, await swapRoomAvatar(db, roomId, file.id), file.id);
  return { room_id: roomId, avatar_url: avatarPath(file.id) };
}

export async function removeRoomAvatar(c: Caller, roomId: number): Promise<RoomAvatar> {
  const db = getDb(c.env.DB);
  await groupToManage(c, db, roomId);
  await dropReplaced(c.env, db, await swapRoomAvatar(db, roomId, null));
  return { room_id: roomId, avatar_url: null };
}

/** A file in use as a user's or a group's picture (public, like the names next to it). */
export async function avatarFile(c: { env: Env }, fileId: number): Promise<FileRow> {
  const file = await getDb(c.env.DB)
    .select()
    .from(files)
    .where(
      and(
        eq(files.id, fileId),
        sql`(EXISTS (SELECT 1 FROM ${users} WHERE ${users.avatarFileId} = ${fileId}) OR EXISTS (SELECT 1 FROM ${rooms} WHERE ${rooms.avatarFileId} = ${fileId}))`,
      ),
    )
    .get();
  if (!file) throw notFound("Avatar");
  if (!file.contentType.startsWith("image/")) throw badRequest("not_an_image", "Not an image");
  return file;
}

/** A picture's bytes, for doors that embed them (document 004's base64); null when there is none. */
export async function avatarBytes(c: { env: Env }, fileId: number): Promise<ArrayBuffer | null> {
  const file = await avatarFile(c, fileId).catch(() => null);
  const object = file && (await c.env.MEDIA.get(file.key));
  return object ? object.arrayBuffer() : null;
}
