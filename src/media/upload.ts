// The upload pipeline: a multipart request streamed through the type sniffer into R2, then one D1
// row. Memory stays at one network chunk plus the sniff window whatever the file size.
//
// R2 must know an object's length before its first byte (a FixedLengthStream). The file's exact
// length is only known at its end, so the object is declared at the upper bound Content-Length
// gives (everything after the file's headers minus the closing delimiter) and any shortfall (the
// CRLF most clients send after the closing delimiter, fields sent after the file) is filled with
// zeros, at most FORM_SLACK bytes. D1's `size` is the truth: downloads always read that range.
// The object is committed only after the whole body was read and matched Content-Length, so a
// refusal after the file (a room the uploader may not post to, a short body) stores nothing.
import type { Db } from "../db/client";
import { files, type FileRow } from "../db/schema";
import type { AuthUser } from "../http/app-env";
import { isForeignKeyViolation } from "../db/errors";
import { RULES, throttle } from "../http/throttle";
import { ApiError, badRequest, invalidRequest, notFound } from "../http/errors";
import { canPost, loadRoom, require, requireActive } from "../rooms/access";
import { formBoundary, MultipartReader, type PartHeaders } from "./multipart";
import { concat, SNIFF_BYTES, sniff, type Sniffed } from "./sniff";

export const DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024;
/** Room for the multipart framing and small fields on top of the file size limit. */
export const FORM_SLACK = 64 * 1024;
const FIELD_BYTES = 16 * 1024;
const WRITE_AHEAD = 256 * 1024;
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
    "Unsupported file type: allowed are JPEG, PNG, GIF, WebP, PDF, plain text (UTF-8), DOC, DOCX, XLS, XLSX, WebM/Ogg/MP3/M4A/AAC/WAV audio and MP4/MOV/3GP/WebM video",
  );

export type UploadOptions = {
  /** Room to attach the file to, already authorized by the caller (otherwise a `room_id` field is honoured). */
  roomId?: number;
  /** Names of small text fields to return besides `file` (others are skipped). */
  fields?: readonly string[];
  /** Only these kinds of file (avatars: images); anything else is 415 and stores nothing. */
  kinds?: readonly Sniffed["kind"][];
  /** An avatar: stored with that purpose, and a `room_id` field is ignored (the caller decides the room). */
  purpose?: "media" | "avatar";
};
export type Upload = { file: FileRow; sniffed: Sniffed; fields: Record<string, string> };

/** A file streamed into a still-open R2 object: closed once the rest of the body checks out. */
type Pending = { key: string; size: number; declared: number; sniffed: Sniffed; writer: WritableStreamDefaultWriter; put: Promise<R2Object | null> };

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

  const form = new MultipartReader(req.body, boundary);
  const fields: Record<string, string> = {};
  let roomId = opts.roomId ?? null;
  let roomChecked = opts.roomId !== undefined;
  let pending: Pending | null = null;
  let name = "file";
  let fieldBytes = 0;
  const checkRoom = async () => {
    if (roomChecked || roomId === null) return;
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
        name = sanitizeName(part.filename);
        pending = await streamFile(env, form, { max, length });
        continue;
      }
      const value = await readField(form);
      fieldBytes += value.length;
      if (fieldBytes > FORM_SLACK) throw badRequest("fields_too_large", "Form fields are too large");
      if (part.name === "room_id" && opts.roomId === undefined && opts.purpose !== "avatar") {
        if (!/^[1-9][0-9]{0,15}$/.test(value.trim()))
          throw invalidRequest([{ path: "body.room_id", message: "must be a positive integer" }]);
        roomId = Number(value.trim());
      } else if (part.name && opts.fields?.includes(part.name)) fields[part.name] = value;
    }
    if (!pending) throw missingFile();
    const total = await form.end(length);
    if (total > length) throw longerThanDeclared();
    if (total < length) throw badRequest("content_length_mismatch", "The body is shorter than its Content-Length");
    await checkRoom(); // room_id came after the file: the object is still open and is dropped on refusal
    if (opts.kinds && !opts.kinds.includes(pending.sniffed.kind))
      throw new ApiError(415, "unsupported_media_type", `Only ${opts.kinds.join(", ")} files are accepted here`);
    const etag = await closeObject(pending);
    const file = await db
      .insert(files)
      .values({
        key: pending.key,
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
    if (pending) await dropObject(env, pending, e);
    // The room was deleted while the file streamed in (the row's room no longer exists).
    if (isForeignKeyViolation(e)) throw notFound("Room");
    throw e;
  }
}

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

/** Streams the current part into a new R2 object, sniffing as it goes; the object is left open. */
async function streamFile(env: Env, form: MultipartReader, limits: { max: number; length: number }): Promise<Pending> {
  const { max } = limits;
  // The object's declared length: the rest of the body minus the closing delimiter.
  const declared = limits.length - form.offset - form.closeLength;
  let head = new Uint8Array(0);
  let chunk: Uint8Array | null = null;
  while (head.length < SNIFF_BYTES && (chunk = await form.readChunk())) head = concat(head, chunk);
  if (!head.length) throw badRequest("empty_file", "The file is empty");
  const inspector = sniff(head);
  if (!inspector) throw unsupported();
  if (head.length > max) throw tooLarge(max);
  if (head.length > declared) throw longerThanDeclared();

  const key = `files/${crypto.randomUUID()}`;
  // A few chunks may be in flight to R2 while the next is read: bounded by the high-water mark.
  const stream = new FixedLengthStream(declared, { highWaterMark: WRITE_AHEAD });
  const put = env.MEDIA.put(key, stream.readable);
  put.catch(() => {}); // settled by closeObject or dropObject
  const open = { key, put, writer: stream.writable.getWriter() };
  let size = head.length;
  try {
    await open.writer.write(head);
    while (chunk && (chunk = await form.readChunk())) {
      size += chunk.length;
      if (size > max) throw tooLarge(max);
      if (size > declared) throw longerThanDeclared();
      if (!inspector.push(chunk)) throw unsupported();
      await open.writer.ready;
      open.writer.write(chunk).catch(() => {}); // a failed write also fails ready and close
    }
    const sniffed = inspector.finish();
    if (!sniffed) throw unsupported();
    return { ...open, size, declared, sniffed };
  } catch (e) {
    await dropObject(env, open, e);
    throw e;
  }
}

/** Fills the object up to its declared length (the form bytes that followed the file) and commits it. */
async function closeObject(p: Pending): Promise<string> {
  const slack = p.declared - p.size;
  if (slack > FORM_SLACK) throw badRequest("fields_too_large", "Too much form data after the file");
  if (slack > 0) await p.writer.write(new Uint8Array(slack));
  await p.writer.close();
  const object = await p.put;
  if (!object) throw new Error("R2 put returned no object");
  return object.etag;
}

/** Aborts a still-open object (R2 then stores nothing) or deletes a committed one. */
async function dropObject(env: Env, p: Pick<Pending, "key" | "put" | "writer">, reason: unknown) {
  await p.writer.abort(reason).catch(() => {});
  await p.put.catch(() => {});
  await env.MEDIA.delete(p.key).catch(() => {});
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
