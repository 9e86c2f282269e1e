// Files, for every door: upload (streamed), your uploads, reading a file's bytes (for a signed-in
// user, or anyone holding a signed URL) or metadata, and deleting a file. Deleting tells the file's room, whose messages then show the media as removed.
import { desc, eq } from "drizzle-orm";
import { getDb, type Db } from "../db/client";
import { files, type FileRow } from "../db/schema";
import type { AuthUser } from "../http/app-env";
import { conflict, forbidden, notFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { roomStub } from "../room/client";
import { serveFile } from "./download";
import { deleteObjects, findVisibleFile, toFileResponse } from "./files";
import { checkSignature } from "../http/media-url";
import { receiveUpload } from "./upload";

/** Deletes one file: row, object, and tells its room so messages show the media as removed. */
export async function deleteFile(env: Env, db: Db, file: FileRow): Promise<void> {
  await db.delete(files).where(eq(files.id, file.id));
  await deleteObjects(env, [file.key]);
  if (file.roomId !== null) {
    try {
      await roomStub(env, file.roomId).mediaRemoved(file.id);
    } catch (e) {
      // The file is gone either way; its messages then fall back to a 404 link.
      console.error("mediaRemoved failed", file.roomId, file.id, e);
    }
  }
}

/** Streams a multipart upload (`file`, optional `room_id`) to storage as the caller: its FileResponse. */
export async function uploadFile(c: Caller, req: Request) {
  const { file } = await receiveUpload(c.env, getDb(c.env.DB), req, c.var.user);
  return toFileResponse(c.env, file);
}

/** The caller's uploads, newest first. */
export async function listMyFiles(c: Caller, page: { limit: number; offset: number }) {
  const rows = await getDb(c.env.DB)
    .select()
    .from(files)
    .where(eq(files.uploaderId, c.var.user.id))
    .orderBy(desc(files.id))
    .limit(page.limit)
    .offset(page.offset)
    .all();
  return rows.map((f) => toFileResponse(c.env, f));
}

/**
 * The file to serve: for `user` when they may see it, or for anyone (`user` null) once a signed
 * URL for this very file was checked. 404 otherwise.
 */
export async function fileToServe(env: Env, fileId: number, user: AuthUser | null): Promise<FileRow> {
  const db = getDb(env.DB);
  const file = user ? await findVisibleFile(db, fileId, user) : ((await db.select().from(files).where(eq(files.id, fileId)).get()) ?? null);
  if (!file) throw notFound("File");
  return file;
}

/** A signed URL's grant for this very file, or its 403 (expired or invalid). */
export function requireSignature(env: Env, fileId: number, exp: string | undefined, sig: string | undefined): void {
  const check = checkSignature(env, fileId, exp, sig);
  if (check === "expired") throw forbidden("This link has expired; fetch the file again for a fresh one", "signature_expired");
  if (check !== "valid") throw forbidden("Invalid file signature", "invalid_signature");
}

/**
 * The file's bytes as HTTP (ranges, validators): for `user`, or, with `user` null, for the holder
 * of a signed URL already checked (requireSignature), cached until it expires at `exp`.
 */
export async function downloadFile(env: Env, req: Request, fileId: number, user: AuthUser | null, exp?: string): Promise<Response> {
  const file = await fileToServe(env, fileId, user);
  const maxAge = user ? 300 : Number(exp) - Date.now() / 1000;
  return serveFile(env, req, file, maxAge);
}

/** A file's metadata with a fresh signed URL, for whoever may see it. */
export async function fileInfo(c: Caller, fileId: number) {
  return toFileResponse(c.env, await fileToServe(c.env, fileId, c.var.user));
}

/** Deletes a file (uploader or system admin); a picture in use is 409 avatar_file. */
export async function removeFile(c: Caller, fileId: number): Promise<void> {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  const file = await findVisibleFile(db, fileId, me);
  if (!file) throw notFound("File");
  if (file.uploaderId !== me.id && !me.isAdmin) throw forbidden("Only the uploader can delete this file");
  if (file.purpose === "avatar") throw conflict("avatar_file", "This file is a picture in use: remove it with DELETE /users/me/avatar or /chat-rooms/{id}/avatar");
  await deleteFile(c.env, db, file);
}
