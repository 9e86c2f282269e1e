// Document 002 (the FastAPI chat API, base /api/chat/): the routes only it has. Each translates the
// request into a core operation and the result into 002's shapes; errors are {"detail": "..."}.
// Room ids are strings: "global" (the default) is the core's global room (rooms/global.ts), any
// other is a room id. The room list, creation, join and leave are shared with document 001
// (../api-chat-rooms.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../http/errors";
import { id, intQuery, json } from "../../http/schemas";
import { deleteMessage, readHistory, sendMessage, uploadMessage } from "../../messages/service";
import { connectionVisible, heartbeat, onlineRoommates, readConnection } from "../../presence/service";
import { MAX_CONTENT, type ChatMessage } from "../../room/protocol";
import { globalRoomId } from "../../rooms/global";
import { chatStats } from "../../stats/service";
import { authed, dialectRouter } from "../envelope";
import type { Caller } from "../../messages/common";
import { messageAt, messageIn, toGlobalMessageId } from "../refs";
import { DELETED_TEXT } from "../deleted-text";
import { ChatStats002, Done002, Error002, Heartbeat002, Message002, OnlineUser002, UPLOAD_TYPES002, UserIp002 } from "./models";

export const TAG002 = "doc002: FastAPI chat API (/api/chat/)";

export const envelope002 = (e: ApiError) => ({ detail: e.detail });
const err = (description: string) => ({ content: { "application/json": { schema: Error002 } }, description });
export const errors002 = { 400: err("Invalid request"), 401: err("Not signed in"), 403: err("Not allowed"), 404: err("Not found") } as const;

/** A 002 room id: "global" (or none) is the global room; digits are a room id; anything else names no room. */
export async function room002(c: Caller, raw: string | null | undefined): Promise<number> {
  const v = (raw ?? "").trim();
  if (v === "" || v === "global") return globalRoomId(c.env, c.var.user);
  if (/^[1-9][0-9]{0,15}$/.test(v)) return Number(v);
  throw new ApiError(404, "room_not_found", "Room not found");
}

const RoomQuery = z.object({ room_id: z.string().max(32).optional().openapi({ description: '"global" (default) or a room id' }) });

export const message002 = (m: ChatMessage): z.input<typeof Message002> => ({
  id: String(toGlobalMessageId(m.room_id, m.id)),
  sender_id: m.sender_id,
  sender_name: m.sender_name,
  message_type: m.message_type === "voice" || m.message_type === "video" ? ("file" as const) : m.message_type === "location" ? ("text" as const) : m.message_type,
  content: m.deleted
    ? DELETED_TEXT
    : (m.content_text ?? (m.file_name ? `发送了文件: ${m.file_name}` : m.location ? (m.location.name ?? `${m.location.latitude},${m.location.longitude}`) : "")),
  file_url: m.media_url,
  file_name: m.file_name,
  file_size: m.file_size,
  timestamp: m.sent_at,
  reply_to: m.reply_to_id ? String(toGlobalMessageId(m.room_id, m.reply_to_id)) : null,
});

const Send002 = z
  .object({
    message_type: z.enum(["text", "file", "image", "system"]).default("text"),
    content: z.string().min(1, "1 to 5000 characters").max(MAX_CONTENT, `1 to ${MAX_CONTENT} characters`),
    reply_to: z.union([z.string().max(20), z.number().int()]).nullish().openapi({ description: "Global id of a message of the same room" }),
  })
  .openapi("Doc002Send");

export const doc002Routes = dialectRouter(envelope002)
  .openapi(
    createRoute({
      method: "post",
      path: "/send",
      tags: [TAG002],
      summary: "Send a text message (files go through /upload)",
      middleware: authed,
      request: { query: RoomQuery, body: { content: { "application/json": { schema: Send002 } }, required: true } },
      responses: { 200: json(Message002), ...errors002 },
    }),
    async (c) => {
      const b = c.req.valid("json");
      if (b.message_type === "system") throw new ApiError(403, "system_message", "System messages are sent by the service only");
      if (b.message_type !== "text") throw new ApiError(400, "use_upload", "Send files and images with POST /api/chat/upload");
      const roomId = await room002(c, c.req.valid("query").room_id);
      const reply = b.reply_to === null || b.reply_to === undefined || b.reply_to === "" ? null : messageIn(roomId, b.reply_to, "reply_to");
      const message = await sendMessage(c, roomId, { content_text: b.content, message_type: "text", reply_to_id: reply }, new URL(c.req.url).origin);
      return c.json(message002(message), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/upload",
      tags: [TAG002],
      summary: "Upload a file (multipart `file`, `room_id`) and post it to the room; typed image or file from its content (10 MB, the listed types: 413/415 otherwise)",
      middleware: authed,
      request: {
        body: {
          content: {
            "multipart/form-data": {
              schema: { type: "object", required: ["file"], properties: { file: { type: "string", format: "binary" }, room_id: { type: "string" } } },
            },
          },
          required: true,
        },
      },
      responses: { 200: json(Message002), ...errors002, 413: err("File too large"), 415: err("Unsupported file type") },
    }),
    async (c) => c.json(message002(await uploadMessage(c, c.req.raw, { roomField: (raw) => room002(c, raw) }, { types: UPLOAD_TYPES002 })), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/messages",
      tags: [TAG002],
      summary: "The newest `limit` messages (before `before`, a message id), oldest first",
      middleware: authed,
      request: {
        query: RoomQuery.extend({
          limit: intQuery(1, 100).default(50),
          before: z.string().max(20).optional(),
        }),
      },
      responses: { 200: json(z.array(Message002)), ...errors002 },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const roomId = await room002(c, q.room_id);
      const before = q.before ? messageIn(roomId, q.before, "before") : undefined;
      const page = await readHistory(c, roomId, { limit: q.limit, offset: 0, before, withThreads: true });
      return c.json(page.messages.map(message002), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/online-users",
      tags: [TAG002],
      summary: "Online users you share a room with (the global room counts), up to 100; ip, user_agent and login_time only for yourself and system admins",
      middleware: authed,
      responses: { 200: json(z.array(OnlineUser002)), ...errors002 },
    }),
    async (c) => {
      const me = c.var.user;
      const rows = await onlineRoommates(c, { limit: 100, offset: 0, includeSelf: true });
      return c.json(
        rows.map((u): z.input<typeof OnlineUser002> => {
          const visible = connectionVisible(me, u.id);
          return {
            user_id: u.id,
            username: u.username,
            ip: visible ? u.lastIp : null,
            user_agent: visible ? u.lastUserAgent : null,
            login_time: visible ? u.lastLoginAt : null,
            last_activity: u.lastSeenAt,
          };
        }),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/stats",
      tags: [TAG002],
      summary: "Users online, messages today and rooms active today (UTC)",
      middleware: authed,
      responses: {
        200: json(ChatStats002),
        ...errors002,
      },
    }),
    async (c) => {
      const { online_users_count, total_messages_today, active_rooms } = await chatStats(c);
      return c.json({ online_users_count, total_messages_today, active_rooms }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/messages/{message_id}",
      tags: [TAG002],
      summary: "Soft-delete a message (its sender, room admins, the owner, system admins) of room_id (default global): any other id is 404",
      middleware: authed,
      // Any id a client holds (the document's own are UUIDs): one this server never issued is unknown, 404, not malformed.
      request: { params: z.object({ message_id: z.string().max(200).openapi({ param: { name: "message_id", in: "path" } }) }), query: RoomQuery },
      responses: { 200: json(Done002), ...errors002 },
    }),
    async (c) => {
      const { roomId, messageId } = messageAt(c.req.valid("param").message_id);
      // room_id defaults to "global" as everywhere in 002: a message of another room is not found there.
      if ((await room002(c, c.req.valid("query").room_id)) !== roomId) throw new ApiError(404, "message_not_found", "Message not found");
      await deleteMessage(c, roomId, messageId);
      return c.json({ message: "消息删除成功" }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/user-ip/{user_id}",
      tags: [TAG002],
      summary: "The address of a user's last login: your own, or anyone's for system admins (403 otherwise)",
      middleware: authed,
      request: { params: z.object({ user_id: id("user_id") }) },
      responses: { 200: json(UserIp002), ...errors002 },
    }),
    async (c) => {
      const { user_id, ip } = await readConnection(c, c.req.valid("param").user_id);
      return c.json({ user_id, ip }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/heartbeat",
      tags: [TAG002],
      summary: "Stay online without a socket: you count as online for 60 s after each (send one every 30 s)",
      middleware: authed,
      responses: { 200: json(Heartbeat002), ...errors002 },
    }),
    async (c) => c.json(await heartbeat(c), 200),
  );
