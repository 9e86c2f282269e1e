// The message operations every door shares (the core routes and the dialects of src/dialects/):
// send, upload-and-send, read history and single messages, edit, delete, recall, mark read, read
// receipts, typing, who is online, search (one room or all of yours) and the room socket. Each
// authorizes from D1, then asks the room object, which orders, stores and fans out. Callers only
// translate shapes.
import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { getDb } from "../db/client";
import { files } from "../db/schema";
import { ApiError, badRequest, fieldErrors, forbidden, invalidRequest } from "../http/errors";
import { RULES, throttle } from "../http/throttle";
import { detachFile, resolveAttachment, type ResolvedAttachment } from "../media/files";
import { deleteFile } from "../media/service";
import { receiveUpload, type UploadOptions } from "../media/upload";
import { forgetMentionRows, refreshMentionRows } from "../mentions/queries";
import { forgetMentions, refreshMentions } from "../notifications/produce";
import { openRoomSocket, roomStub } from "../room/client";
import { massMentionIn } from "../room/mentions";
import { messageInput, type ChatMessage } from "../room/protocol";
import { ADMISSION_HEADER, type Admission, type HistoryQuery } from "../room/room";
import type { SearchQuery } from "../room/search-index";
import type { WireShape } from "../room/shapes";
import { canMentionEveryone, canModerate, canPost, canView, requireActive, type RoomAccess } from "../rooms/access";
import { actorOf, assertNotBlocked, memberAccess, unwrap, type Caller } from "./common";
import { readPositions, searchableRooms } from "./queries";

/** A new message as the core understands it (aliases already resolved by the caller). */
export type MessageDraft = {
  content_text?: string | null;
  message_type: "text" | "image" | "file" | "voice" | "video" | "location";
  reply_to_id?: number | null;
  client_id?: string | null;
  media_url?: string | null;
  file_id?: number | null;
  location?: { latitude: number; longitude: number; name?: string | null; address?: string | null } | null;
  /** A reply in this root's thread (docs/threads.md); also_to_room shows it in the main timeline too. */
  thread_id?: number | null;
  also_to_room?: boolean;
};

/** What the room object stores of a resolved file. */
const pickAttachment = ({ file_id, file_name, file_size, content_type, width, height }: ResolvedAttachment) => ({
  file_id,
  file_name,
  file_size,
  content_type,
  width,
  height,
});

/**
 * Sends a message as the caller: active member, room not archived, not blocked; media resolved
 * and authorized (a media_url follows the media rule of resolveAttachment). `origin` is the
 * request's own origin, for recognising this service's file URLs.
 */
export async function sendMessage(c: Caller, roomId: number, draft: MessageDraft, origin: string): Promise<ChatMessage> {
  // Taken before the membership read, so a removal that lands after it is seen by the room.
  const checkedAt = Date.now();
  const access = await memberAccess(c, roomId, canPost);
  requireActive(access);
  const db = getDb(c.env.DB);
  await assertNotBlocked(db, access);
  const type = draft.message_type;
  const media = draft.file_id || draft.media_url;
  if (media && type === "text") throw badRequest("unexpected_media", "Text messages cannot carry media; use image, file or voice");
  if (media && type === "location") throw badRequest("unexpected_media", "Location messages cannot carry media");
  if (!media && type !== "text" && type !== "location") throw badRequest("media_required", `A ${type} message needs file_id or media_url`);
  const attachment = media
    ? await resolveAttachment(c.env, db, c.var.user, roomId, {
        file_id: draft.file_id,
        media_url: draft.media_url,
        origin,
        accept: (kind) => {
          if (type !== "file" && kind !== type)
            throw badRequest("media_type_mismatch", `This file is not ${type === "image" ? "an image" : type === "video" ? "a video" : "audio"}`);
        },
      })
    : null;
  const result = await roomStub(c.env, roomId)
    .post(
      actorOf(c),
      {
        content_text: draft.content_text ?? null,
        message_type: type,
        reply_to_id: draft.reply_to_id ?? null,
        client_id: draft.client_id ?? null,
        attachment: attachment && pickAttachment(attachment),
        location: draft.location ?? null,
        thread_id: draft.thread_id ?? null,
        also_to_room: draft.also_to_room ?? false,
      },
      checkedAt,
      access.room.archiveVersion,
      // Only asked when the text uses @here / @all (the rule may count the members).
      !!massMentionIn(draft.content_text ?? null) && (await canMentionEveryone(db, access)),
    )
    .catch((err: unknown) => ({ ok: false as const, err }));
  // Refused: a file attached for this message is detached again. A call that failed has an
  // unknown outcome (the room may have stored the message), so the file stays where it is.
  if (!result.ok && !("err" in result) && attachment?.attached_now) await detachFile(db, attachment.file_id, roomId);
  if ("err" in result) throw result.err;
  return unwrap(result).message;
}

const UploadFields = z.object({
  content_text: messageInput.content_text,
  client_id: messageInput.client_id,
  reply_to_id: messageInput.reply_to_id,
});

/**
 * Streams a multipart upload (`file`, optional `content_text`, `client_id`, `reply_to_id`) into
 * the room and posts it as a message typed from the sniffed content. The room is `roomId`, or,
 * without it, what `roomField` makes of the form's `room_id` field (see UploadOptions).
 */
export async function uploadMessage(
  c: Caller,
  req: Request,
  target: { roomId: number } | { roomField: NonNullable<UploadOptions["roomField"]> },
  accept: Pick<UploadOptions, "types"> = {},
): Promise<ChatMessage> {
  const checkedAt = Date.now();
  const db = getDb(c.env.DB);
  let archiveVersion: number | undefined;
  let access: RoomAccess | undefined;
  const authorize = async (roomId: number) => {
    access = await memberAccess(c, roomId, canPost);
    requireActive(access);
    await assertNotBlocked(db, access);
    archiveVersion = access.room.archiveVersion;
  };
  if ("roomId" in target) await authorize(target.roomId);
  const { file, sniffed, fields } = await receiveUpload(c.env, db, req, c.var.user, {
    ...("roomId" in target
      ? { roomId: target.roomId }
      : {
          roomField: async (raw) => {
            const id = await target.roomField(raw);
            await authorize(id);
            return id;
          },
        }),
    fields: ["content_text", "client_id", "reply_to_id"],
    ...accept,
  });
  const roomId = file.roomId!;
  // The upload's small fields get the same rules as a JSON message body.
  const extra = UploadFields.safeParse({
    content_text: fields.content_text || null,
    client_id: fields.client_id || null,
    reply_to_id: fields.reply_to_id ? Number(fields.reply_to_id) : null,
  });
  const result = extra.success
    ? await roomStub(c.env, roomId)
        .post(
          actorOf(c),
          {
            ...extra.data,
            message_type: sniffed.kind,
            attachment: { file_id: file.id, file_name: file.name, file_size: file.size, content_type: file.contentType, width: file.width, height: file.height },
          },
          checkedAt,
          archiveVersion,
          !!massMentionIn(extra.data.content_text ?? null) && !!access && (await canMentionEveryone(db, access)),
        )
        .catch((err: unknown) => ({ ok: false as const, err }))
    : null;
  // A refused message takes its upload with it, and so does a retry answered with the original.
  // A call that failed has an unknown outcome (the room may hold the message): the file stays.
  if (!result || (!("err" in result) && (!result.ok || result.duplicate))) await deleteFile(c.env, db, { ...file, roomId: null });
  if (!extra.success) throw invalidRequest(fieldErrors(extra.error.issues, "body"));
  if (result && "err" in result) throw result.err;
  return unwrap(result!).message;
}

/** A page of history for the caller (owner, active members, system admins), oldest first. */
export async function readHistory(c: Caller, roomId: number, q: Omit<HistoryQuery, "cleared">) {
  const access = await memberAccess(c, roomId, canView);
  return roomStub(c.env, roomId).history({ ...q, cleared: access.cleared }, c.var.user.id);
}

/** One message as the caller may see it, or 404 message_not_found. */
export async function readMessage(c: Caller, roomId: number, messageId: number): Promise<ChatMessage> {
  const access = await memberAccess(c, roomId, canView);
  const message = await roomStub(c.env, roomId).message(messageId, c.var.user.id, access.cleared);
  if (!message) throw new ApiError(404, "message_not_found", "Message not found");
  return message;
}

/** Edits the caller's own message (broadcast as message_updated); its mentions follow the new text. */
export async function editMessage(c: Caller, roomId: number, messageId: number, contentText: string): Promise<ChatMessage> {
  const access = await memberAccess(c, roomId, canPost);
  requireActive(access);
  const result = unwrap(await roomStub(c.env, roomId).edit(actorOf(c), messageId, contentText, access.room.archiveVersion));
  const db = getDb(c.env.DB);
  await db.batch([refreshMentions(db, roomId, messageId, result.message.content_text), refreshMentionRows(db, roomId, messageId, result.message.content_text)]);
  return result.message;
}

/**
 * Soft-deletes a message: its sender, room admins, the owner or system admins. The mentions it
 * made are forgotten and its file goes too, unless another message still shows it.
 */
export async function deleteMessage(c: Caller, roomId: number, messageId: number): Promise<ChatMessage> {
  const access = await memberAccess(c, roomId, canView);
  const result = unwrap(await roomStub(c.env, roomId).remove(actorOf(c), messageId, canModerate(access)));
  const db = getDb(c.env.DB);
  await db.batch([forgetMentions(db, roomId, messageId), forgetMentionRows(db, roomId, messageId)]);
  if (result.orphaned_file_id) {
    const file = await db.select().from(files).where(and(eq(files.id, result.orphaned_file_id), eq(files.roomId, roomId))).get();
    if (file) await deleteFile(c.env, db, file);
  }
  return result.message;
}

/** How long after sending a message its sender may recall it (RECALL_WINDOW_SECONDS, default 120). */
export const recallWindowSeconds = (env: Env) => Number(env.RECALL_WINDOW_SECONDS) || 120;

/** Recalls the caller's own message within the recall window: deleted for everyone, as deleteMessage. */
export async function recallMessage(c: Caller, roomId: number, messageId: number): Promise<ChatMessage> {
  const message = await readMessage(c, roomId, messageId);
  if (message.deleted) throw new ApiError(404, "message_not_found", "Message not found");
  if (message.sender_id !== c.var.user.id) throw forbidden("Only the sender can recall a message", "not_your_message");
  const window = recallWindowSeconds(c.env);
  if (Date.now() - Date.parse(message.sent_at) > window * 1000) throw forbidden(`Messages can be recalled within ${window} seconds of sending`, "recall_window_passed");
  return deleteMessage(c, roomId, messageId);
}

/** Moves the caller's read position forward (never back); without messageId, to the last message. */
export async function markRead(c: Caller, roomId: number, messageId?: number) {
  await memberAccess(c, roomId, canPost);
  const { position, unread } = unwrap(await roomStub(c.env, roomId).markRead(actorOf(c), messageId));
  return { room_id: roomId, last_read_message_id: position, unread_count: unread };
}

/**
 * Hands a WebSocket upgrade to the room object for an active member (the caller checked it is an
 * upgrade). `since` replays every later message first; `shape` makes it a reference document's socket.
 */
export async function openSocket(c: Caller, roomId: number, opts: { since: number | null; batch: boolean; shape?: WireShape }): Promise<Response> {
  const access = await memberAccess(c, roomId, canPost);
  const admission: Admission = {
    user: actorOf(c),
    token_version: c.var.user.tokenVersion,
    session_id: c.var.user.sessionId,
    expires_at: c.var.user.expiresAt,
    since: opts.since,
    batch: opts.batch,
    cleared: access.cleared,
    ...(opts.shape && { shape: opts.shape }),
    // Decided once for the socket's life: a role or setting changed later applies from its next upgrade.
    mass_mentions: await canMentionEveryone(getDb(c.env.DB), access),
  };
  // A fresh request: only the worker's own headers reach the object, never the client's.
  return openRoomSocket(c.env, roomId, admission.user.id, {
    headers: { Upgrade: "websocket", [ADMISSION_HEADER]: JSON.stringify(admission) },
  });
}

/** Says the caller is typing (or stopped): the room's sockets but the caller's get a typing frame. */
export async function setTyping(c: Caller, roomId: number, isTyping: boolean): Promise<void> {
  const access = await memberAccess(c, roomId, canPost);
  requireActive(access);
  await assertNotBlocked(getDb(c.env.DB), access);
  await roomStub(c.env, roomId).typing(actorOf(c), isTyping);
}

/** The room's messages matching `q`, newest first, above the caller's cleared-history mark. */
export async function searchRoom(c: Caller, roomId: number, q: Omit<SearchQuery, "cleared">): Promise<ChatMessage[]> {
  const access = await memberAccess(c, roomId, canView);
  return roomStub(c.env, roomId).search({ ...q, cleared: access.cleared }, c.var.user.id);
}

/** A cross-room search asks at most this many room objects. */
export const MAX_SEARCH_ROOMS = 50;

export type SearchHit = { room: { id: number; kind: "group" | "direct"; name: string }; message: ChatMessage };

/**
 * Searches the caller's active rooms (their MAX_SEARCH_ROOMS most recently active, or `roomIds`),
 * each room object in parallel, merged newest first. Throttled per user; 503 when a room fails.
 */
export async function searchMyRooms(c: Caller, roomIds: number[] | undefined, q: Omit<SearchQuery, "cleared" | "before">) {
  const me = c.var.user.id;
  // One search asks up to MAX_SEARCH_ROOMS room objects: limited per user.
  await throttle(c.env, RULES.search, `user:${me}`);
  const mine = await searchableRooms(getDb(c.env.DB), me, roomIds, MAX_SEARCH_ROOMS + 1);
  const searched = mine.slice(0, MAX_SEARCH_ROOMS);
  const found = await Promise.allSettled(searched.map((r) => roomStub(c.env, r.id).search({ ...q, cleared: r.cleared }, me)));
  if (found.some((f) => f.status === "rejected")) {
    console.error("cross-room search: a room failed", found.find((f) => f.status === "rejected"));
    throw new ApiError(503, "unavailable", "Some conversations could not be searched; try again");
  }
  const hits: SearchHit[] = found.flatMap((f, i) => {
    const r = searched[i];
    const room = { id: r.id, kind: r.kind, name: r.kind === "direct" ? "" : r.name };
    return (f as PromiseFulfilledResult<ChatMessage[]>).value.map((message) => ({ room, message }));
  });
  // Newest first across rooms; a tie in time goes to the higher room, then message, id.
  hits.sort((a, b) => b.message.sent_at.localeCompare(a.message.sent_at) || b.room.id - a.room.id || b.message.id - a.message.id);
  return { hits: hits.slice(0, q.limit), searched: searched.length, more: mine.length > MAX_SEARCH_ROOMS };
}

/** Members whose read position has reached the message (rooms up to READ_RECEIPTS_MAX_MEMBERS members). */
export async function readReceipts(c: Caller, roomId: number, messageId: number) {
  await memberAccess(c, roomId, canView);
  const limit = Number(c.env.READ_RECEIPTS_MAX_MEMBERS) || 100;
  const [last, rows] = await Promise.all([roomStub(c.env, roomId).lastMessageId(), readPositions(getDb(c.env.DB), roomId, limit + 1)]);
  if (messageId > last) throw new ApiError(404, "message_not_found", "Message not found");
  if (rows.length > limit) throw badRequest("room_too_large", `Read receipts are available in rooms of up to ${limit} members`);
  return rows.filter((r) => r.last_read_message_id >= messageId);
}

/** Users with at least one open socket in the room. */
export async function onlineMembers(c: Caller, roomId: number) {
  await memberAccess(c, roomId, canView);
  return roomStub(c.env, roomId).online();
}
