// Document 002's models, written from its text (§数据模型 and each endpoint's 响应示例) as zod
// schemas: the routes build their replies typed by these, the OpenAPI document shows them, and the
// contract test (test/doc002-contract.test.ts) parses every reply against them.
//
// Ids are as the document types them: message and room ids are strings (`id: string`, the global
// room "global"), user ids numbers. Fields the TypeScript interfaces mark optional (`file_url?`)
// are printed as null in the examples: null here. Objects are strict, so a field the document does
// not list shows up here, with why (docs/dialects.md, 002 section).
import { z } from "@hono/zod-openapi";
import { DOC, DOCX, XLS, XLSX } from "../../media/sniff";

const isoTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

/** MessageType. */
export const MessageType = z.enum(["text", "file", "image", "system"]);

/** Every error: {"detail": "..."}. */
export const Error002 = z.strictObject({ detail: z.string() }).openapi("Doc002Error");

/** ChatMessage (§1 send, §2 upload, §3 messages). */
export const Message002 = z
  .strictObject({
    id: z.string().openapi({ description: "Global message id (room_id × 10^9 + the message's id in its room), as a string" }),
    sender_id: z.number().int(),
    sender_name: z.string(),
    message_type: MessageType,
    content: z.string(),
    file_url: z.string().nullable(),
    file_name: z.string().nullable(),
    file_size: z.number().int().nullable(),
    timestamp: isoTime,
    reply_to: z.string().nullable(),
  })
  .openapi("Doc002Message");

/** A room's last message as the room list carries it: from the room's summary (no file fields, reply_to). */
export const LastMessage002 = z
  .strictObject({ id: z.string(), sender_id: z.number().int().nullable(), sender_name: z.string(), message_type: MessageType, content: z.string(), timestamp: isoTime })
  .openapi("Doc002LastMessage");

/** ChatRoom (§9). `description?` and `last_message?` are left out when the room has none. */
export const ChatRoom002 = z
  .strictObject({
    id: z.string().openapi({ description: '"global" for the global room, the room id as a string otherwise' }),
    name: z.string(),
    description: z.string().optional(),
    members: z.array(z.number().int()).openapi({ description: "Ids of active members (up to 100), for rooms you belong to; [] for others" }),
    created_at: isoTime,
    last_message: LastMessage002.optional(),
  })
  .openapi("Doc002ChatRoom");

/** OnlineUser (§4): ip, user_agent and login_time are null but for yourself and system admins (privacy). */
export const OnlineUser002 = z
  .strictObject({
    user_id: z.number().int(),
    username: z.string(),
    ip: z.string().nullable().openapi({ description: "Only for yourself and system admins; null otherwise" }),
    user_agent: z.string().nullable().openapi({ description: "Only for yourself and system admins; null otherwise" }),
    login_time: z.string().nullable().openapi({ description: "Only for yourself and system admins; null otherwise" }),
    last_activity: z.string().nullable(),
  })
  .openapi("Doc002OnlineUser");

/** ChatStats (§5). */
export const ChatStats002 = z
  .strictObject({ online_users_count: z.number().int(), total_messages_today: z.number().int(), active_rooms: z.number().int() })
  .openapi("Doc002ChatStats");

/** §6: {room_id, message}, and (an addition) the new room as §9 lists it. */
export const RoomCreated002 = ChatRoom002.extend({ room_id: z.string(), message: z.string() }).openapi("Doc002RoomCreated");

/** §7 join: {"message"}, and `status` (an addition): "pending" only for a room made elsewhere that needs approval (202). */
export const Joined002 = z.strictObject({ message: z.string(), status: z.enum(["approved", "pending"]) });

/** §7, §8, §10: {"message": "..."}. */
export const Done002 = z.strictObject({ message: z.string() });

/** §11: ip is null when the user never logged in from a known address. */
export const UserIp002 = z.strictObject({ user_id: z.number().int(), ip: z.string().nullable() }).openapi("Doc002UserIp");

/** §12. */
export const Heartbeat002 = z.strictObject({ status: z.literal("ok"), timestamp: isoTime }).openapi("Doc002Heartbeat");

/** §2's 支持的文件类型: JPEG, PNG, GIF, WebP; PDF, TXT, DOC, DOCX, XLS, XLSX (anything else 415). */
export const UPLOAD_TYPES002 = ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain", DOC, DOCX, XLS, XLSX] as const;
