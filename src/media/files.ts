// File records: who may see a file, its API shape, attaching files to messages, and deleting the
// R2 objects of deleted rows (a room's, an account's orphans). Deleting one file, which tells its
// room, is media/service.ts.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { files, roomMembers, rooms, type FileRow } from "../db/schema";
import type { AuthUser } from "../http/app-env";
import { badRequest, notFound } from "../http/errors";
import type { Attachment } from "../room/protocol";
import { kindOf, type Kind } from "./sniff";
import { purgeObjects } from "./cleanup";
import { signedFileUrl } from "../http/media-url";

export const toFileResponse = (env: Env, f: FileRow) => ({
  id: f.id,
  name: f.name,
  size: f.size,
  content_type: f.contentType,
  kind: kindOf(f.contentType),
  url: signedFileUrl(env, f.id),
  room_id: f.roomId,
  uploader_id: f.uploaderId,
  created_at: f.createdAt,
  width: f.width,
  height: f.height,
});

/** The file if `user` may see it (uploader, owner or active member of its room, system admin), else null. */
export async function findVisibleFile(db: Db, fileId: number, user: AuthUser): Promise<FileRow | null> {
  const row = await db
    .select({ file: files, member: roomMembers.id, ownerId: rooms.creatorId })
    .from(files)
    .leftJoin(rooms, eq(rooms.id, files.roomId))
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, files.roomId), eq(roomMembers.userId, user.id), eq(roomMembers.status, "active")))
    .where(eq(files.id, fileId))
    .get();
  if (!row) return null;
  const ok = row.file.uploaderId === user.id || user.isAdmin || row.member !== null || row.ownerId === user.id;
  return ok ? row.file : null;
}

/** What a media message stores (the room object's Attachment), plus the message type it fits and a signed URL. */
export type ResolvedAttachment = Attachment & {
  kind: Kind;
  /** Signed now; re-sign with signedFileUrl whenever the message is rendered again. */
  media_url: string;
  /** This call attached the file to the room (undo with detachFile if the message is then refused). */
  attached_now: boolean;
};

export type AttachmentRef = {
  file_id?: number | null;
  media_url?: string | null;
  /** The request's origin: absolute media URLs are accepted only on it (absolute paths always). */
  origin?: string;
  /** Checked before anything is written: a refused file stays as it was. */
  accept?: (kind: Kind) => void;
};

/**
 * The file a new message in `roomId` carries, given by id or by one of this server's file URLs.
 * The sender must be able to see it (404 otherwise, as for downloads). A file not yet in a room is
 * attached to this one; a file already in another room is refused (400 file_in_other_room): it
 * would become visible to a second room and outlive the deletion of its own, so re-upload instead.
 */
export async function resolveAttachment(env: Env, db: Db, user: AuthUser, roomId: number, ref: AttachmentRef): Promise<ResolvedAttachment> {
  const fromUrl = ref.media_url ? fileIdFromUrl(ref.media_url, ref.origin) : null;
  if (ref.media_url && fromUrl === null) throw badRequest("invalid_media_url", "media_url must be a file URL of this server (/api/v1/files/{id})");
  if (ref.file_id && fromUrl && ref.file_id !== fromUrl) throw badRequest("media_mismatch", "file_id and media_url name different files");
  const id = ref.file_id ?? fromUrl;
  if (!id) throw badRequest("media_required", "A media message needs file_id or media_url");
  const file = await findVisibleFile(db, id, user);
  // A picture is not a message's media: it is shared by URL, and goes with its owner's choice only.
  if (!file || file.purpose === "avatar") throw notFound("File", "file_not_found");
  ref.accept?.(kindOf(file.contentType));
  let attachedNow = false;
  if (file.roomId === null) {
    // Guarded: two rooms racing for the same fresh file cannot both win.
    const attached = await db
      .update(files)
      .set({ roomId })
      .where(and(eq(files.id, id), isNull(files.roomId)))
      .returning({ roomId: files.roomId })
      .all();
    attachedNow = attached.length > 0;
    file.roomId = attached.length
      ? roomId
      : ((await db.select({ roomId: files.roomId }).from(files).where(eq(files.id, id)).get())?.roomId ?? null);
  }
  if (file.roomId !== roomId)
    throw badRequest("file_in_other_room", "This file belongs to another conversation; upload it again to share it here");
  return {
    file_id: file.id,
    file_name: file.name,
    file_size: file.size,
    content_type: file.contentType,
    width: file.width,
    height: file.height,
    kind: kindOf(file.contentType),
    media_url: signedFileUrl(env, file.id),
    attached_now: attachedNow,
  };
}

/** Undoes an attach made for a message that was then refused. */
export async function detachFile(db: Db, fileId: number, roomId: number): Promise<void> {
  await db.update(files).set({ roomId: null }).where(and(eq(files.id, fileId), eq(files.roomId, roomId)));
}

/** The file id in one of our file URLs (absolute path, or absolute URL on `origin`), else null. */
export function fileIdFromUrl(url: string, origin?: string): number | null {
  let u: URL;
  try {
    u = new URL(url, "http://relative.invalid");
  } catch {
    return null;
  }
  const absolute = u.origin !== "http://relative.invalid";
  if (absolute && (!origin || u.origin !== origin)) return null;
  const m = /^\/api\/v1\/files\/([1-9][0-9]{0,15})\/?$/.exec(u.pathname);
  return m ? Number(m[1]) : null;
}

/**
 * The objects of rows just deleted (their keys are already in r2_cleanup, see cleanup.ts): deleted
 * now, or by the cron if R2 fails. Never throws: the rows are gone either way.
 */
export async function deleteObjects(env: Env, keys: string[]) {
  await purgeObjects(env, keys);
}
