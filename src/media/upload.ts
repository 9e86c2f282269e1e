// The upload pipeline: a multipart request streamed through the type sniffer into R2, then one D1
// row. Memory stays at one R2 part (object-writer.ts) plus the sniff window whatever the file size,
// and the stored object is exactly the file: same length, same bytes.
// The object is committed only after the whole body was read and matched Content-Length, so a
// refusal after the file (a room the uploader may not post to, a short body) stores nothing.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { files, type FileRow } from "../db/schema";
import type { AuthUser } from "../http/app-env";
import { isForeignKeyViolation } from "../db/errors";
import { RULES, throttle } from "../http/throttle";
import { ApiError, badRequest, invalidRequest, notFound } from "../http/errors";
import { canPost, loadRoom, require, requireActive } from "../rooms/access";
import { formBoundary, MultipartReader, type PartHeaders } from "./multipart";
import { setting } from "./cleanup";
import { ObjectWriter } from "./object-writer";
import { concat, executable, SNIFF_BYTES, sniff, type Sniffed } from "./sniff";

export const DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024;
/** Room for the multipart framing and small fields on top of the file size limit. */
export const FORM_SLACK = 64 * 1024;
const FIELD_BYTES = 16 * 1024;
const MAX_NAME = 200;

export const maxUploadBytes = (env: Env) => {
  const v = Number(env.MAX_UPLOAD_BYTES);
  return Number.isSafeInteger(v) && v > 0 ? v : DEFAULT_MAX_UPLOAD;
};

const tooLarge = (max: number) => new ApiError(413, "payload_too_large", `The file is larger than the ${max} byte limit`);
const unsupported = () =>
  new ApiError(
    415,
    "unsupported_media_type",
    "Unsupported file type: allowed are JPEG, PNG, GIF, WebP, PDF, plain text (UTF-8 without control characters), DOC, DOCX, XLS, XLSX, WebM/Ogg/MP3/M4A/AAC/WAV audio and MP4/MOV/3GP/WebM video",
  );

const baseType = (t: string) => t.split(";")[0]!.trim().toLowerCase();
const onlyTypes = (types: readonly string[]) => new ApiError(415, "unsupported_media_type", `Unsupported file type: allowed are ${types.join(", ")}`);

export type UploadOptions = {
  /** Room to attach the file to, already authorized by the caller (otherwise a `room_id` field is honoured). */
  roomId?: number;
  /** Names of small text fields to return besides `file` (others are skipped). */
  fields?: readonly string[];
  /** Only these kinds of file (avatars: images); anything else is 415 and stores nothing. */
  kinds?: readonly Sniffed["kind"][];
  /**
   * Only these content types (no parameters): the sniffed one, and the one the file's part declares
   * unless it declares none or application/octet-stream (a page sent as text/html is not a text
   * file, whatever its bytes). Anything else is 415 and stores nothing.
   */
  types?: readonly string[];
  /**
   * Where the room comes from when `roomId` is not given: the `room_id` field's value (null when
   * the form has none) turned into an authorized room id, or a thrown ApiError. Without it, a
   * `room_id` field must be a positive integer and is authorized as a place to post.
   */
  roomField?: (value: string | null) => Promise<number>;
  /** An avatar: stored with that purpose, and a `room_id` field is ignored (the caller decides the room). */
  purpose?: "media" | "avatar";
};
export type Upload = { file: FileRow; sniffed: Sniffed; fields: Record<string, string> };

/** A file streamed into a still-open R2 object: committed once the rest of the body checks out. */
type Pending = { size: number; sniffed: Sniffed; writer: ObjectWriter };

/** Streams a multipart upload (`file`, optional `room_id`) into R2 and records it in D1. */
export async function receiveUpload(env: Env, db: Db, req: Request, user: AuthUser, opts: UploadOptions = {}): Promise<Upload> {
  // Every upload route comes through here: one throttle per user for all of them.
  await throttle(env, RULES.upload, `user:${user.id}`);
  const max = maxUploadBytes(env);
  const declared = req.headers.get("content-length");
  if (declared === null || req.headers.has("transfer-encoding"))
    throw new ApiError(411, "length_required", "Uploads need a Content-Length header");
  if (!/^\d{1,15}$/.test(declared)) throw badRequest("invalid_content_length", "Content-Length must be a number of bytes");
  const length = Number(declared);
  // Refused before reading a byte.
  if (length > max + FORM_SLACK) throw tooLarge(max);
  const boundary = formBoundary(req.headers.get("content-type"));
  if (!boundary) throw new ApiError(415, "unsupported_media_type", "Upload with Content-Type multipart/form-data (field `file`)");
  if (!req.body) throw missingFile();
  const quota = storageQuota(env);
  const used = await storageUsed(db, user.id);
  if (used >= quota) throw quotaExceeded(used, quota);

  const form = new MultipartReader(req.body, boundary);
  const fields: Record<string, string> = {};
  let roomId = opts.roomId ?? null;
  let roomChecked = opts.roomId !== undefined;
  let pending: Pending | null = null;
  let name = "file";
  let fieldBytes = 0;
  let roomRaw: string | null = null;
  const checkRoom = async (final = false) => {
    if (roomChecked) return;
    if (opts.roomField) {
      if (roomRaw === null && !final) return;
      roomId = await opts.roomField(roomRaw);
      roomChecked = true;
      return;
    }
    if (roomId === null) return;
    const access = await loadRoom(db, roomId, user, { kinds: ["group", "direct"] });
    require(canPost(access), "Only members of the room can upload to it", "not_a_member");
    requireActive(access);
    roomChecked = true;
  };
  try {
    for (let part: PartHeaders | null; (part = await form.nextPart()); ) {
      if (part.name === "file") {
        if (pending) throw badRequest("too_many_files", "Send one file per upload");
        await checkRoom(); // room_id came first: refuse before storing anything
        if (opts.types && part.contentType && !["", "application/octet-stream"].includes(baseType(part.contentType)) && !opts.types.includes(baseType(part.contentType)))
          throw onlyTypes(opts.types);
        name = sanitizeName(part.filename);
        pending = await streamFile(env, form, { max, length });
        continue;
      }
      const value = await readField(form);
      fieldBytes += value.length;
      if (fieldBytes > FORM_SLACK) throw badRequest("fields_too_large", "Form fields are too large");
      if (part.name === "room_id" && opts.roomField && opts.roomId === undefined) roomRaw = value.trim();
      else if (part.name === "room_id" && opts.roomId === undefined && opts.purpose !== "avatar") {
        if (!/^[1-9][0-9]{0,15}$/.test(value.trim()))
          throw invalidRequest([{ path: "body.room_id", message: "must be a positive integer" }]);
        roomId = Number(value.trim());
      } else if (part.name && opts.fields?.includes(part.name)) fields[part.name] = value;
    }
    if (!pending) throw missingFile();
    const total = await form.end(length);
    if (total > length) throw longerThanDeclared();
    if (total < length) throw badRequest("content_length_mismatch", "The body is shorter than its Content-Length");
    await checkRoom(true); // room_id came after the file: the object is still open and is dropped on refusal
    if (used + pending.size > quota) throw quotaExceeded(used, quota);
    if (opts.kinds && !opts.kinds.includes(pending.sniffed.kind))
      throw new ApiError(415, "unsupported_media_type", `Only ${opts.kinds.join(", ")} files are accepted here`);
    if (opts.types && !opts.types.includes(baseType(pending.sniffed.contentType))) throw onlyTypes(opts.types);
    const etag = (await pending.writer.commit()).etag;
    const file = await db
      .insert(files)
      .values({
        key: pending.writer.key,
        uploaderId: user.id,
        roomId,
        name,
        size: pending.size,
        contentType: pending.sniffed.contentType,
        width: pending.sniffed.width,
        height: pending.sniffed.height,
        etag,
        purpose: opts.purpose ?? "media",
      })
      .returning()
      .get();
    return { file, sniffed: pending.sniffed, fields };
  } catch (e) {
    form.cancel();
    if (pending) await pending.writer.abort();
    // The room was deleted while the file streamed in (the row's room no longer exists).
    if (isForeignKeyViolation(e)) throw notFound("Room");
    throw e;
  }
}

/** Bytes each user may store (USER_STORAGE_QUOTA_BYTES, default 1 GiB): uploads and pictures alike. */
export const storageQuota = (env: Env) => setting(env.USER_STORAGE_QUOTA_BYTES, 1024 ** 3);

/** What a user's files take now (files_uploader_idx). */
export async function storageUsed(db: Db, userId: number): Promise<number> {
  const row = await db.select({ n: sql<number>`coalesce(sum(${files.size}), 0)` }).from(files).where(eq(files.uploaderId, userId)).get();
  return Number(row?.n ?? 0);
}

const quotaExceeded = (used: number, quota: number) =>
  new ApiError(413, "quota_exceeded", `Your files take ${used} of your ${quota} bytes; delete some to upload more`, { used, quota });

const missingFile = () => invalidRequest([{ path: "body.file", message: "a file is required" }]);

async function readField(form: MultipartReader): Promise<string> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (let chunk; (chunk = await form.readChunk()); ) {
    n += chunk.length;
    if (n > FIELD_BYTES) throw badRequest("fields_too_large", `A form field is longer than ${FIELD_BYTES} bytes`);
    parts.push(chunk);
  }
  return new TextDecoder().decode(parts.reduce(concat, new Uint8Array(0)));
}

/** Streams the current part into a new R2 object, sniffing as it goes; the object is left uncommitted. */
async function streamFile(env: Env, form: MultipartReader, limits: { max: number; length: number }): Promise<Pending> {
  const { max } = limits;
  // The most the file can be: the rest of the body minus the closing delimiter.
  const declared = limits.length - form.offset - form.closeLength;
  let head = new Uint8Array(0);
  let chunk: Uint8Array | null = null;
  while (head.length < SNIFF_BYTES && (chunk = await form.readChunk())) head = concat(head, chunk);
  if (!head.length) throw badRequest("empty_file", "The file is empty");
  const program = executable(head);
  if (program) throw new ApiError(415, "unsupported_media_type", `Executables and scripts are not accepted: this is ${program}`);
  const inspector = sniff(head);
  if (!inspector) throw unsupported();
  if (head.length > max) throw tooLarge(max);
  if (head.length > declared) throw longerThanDeclared();

  const writer = new ObjectWriter(env.MEDIA, `files/${crypto.randomUUID()}`);
  let size = head.length;
  try {
    await writer.write(head);
    while (chunk && (chunk = await form.readChunk())) {
      size += chunk.length;
      if (size > max) throw tooLarge(max);
      if (size > declared) throw longerThanDeclared();
      if (!inspector.push(chunk)) throw unsupported();
      await writer.write(chunk);
    }
    const sniffed = inspector.finish();
    if (!sniffed) throw unsupported();
    return { writer, size, sniffed };
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

const longerThanDeclared = () => new ApiError(413, "payload_too_large", "The body is longer than its Content-Length");

/** A display name safe for headers and file systems: no path, no control or bidi characters, no quotes. */
export function sanitizeName(raw: string | null): string {
  const base = (raw ?? "").normalize("NFC").split(/[\\/]/).pop() ?? "";
  const clean = base
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"]/g, "")
    .trim()
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "");
  const chars = Array.from(clean);
  if (!chars.length) return "file";
  if (chars.length <= MAX_NAME) return clean;
  const ext = /\.[A-Za-z0-9]{1,10}$/.exec(clean)?.[0] ?? "";
  return chars.slice(0, MAX_NAME - ext.length).join("") + ext;
}
