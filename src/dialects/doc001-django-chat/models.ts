// Document 001's models, written from its text (§数据模型 ChatRoom, ChatMessage, ChatNotification
// and each endpoint's 响应示例) as zod schemas: the builders in ./shapes.ts are typed by them, the
// OpenAPI document shows them, and test/doc001-contract.test.ts parses every reply against them.
//
// Ids are integers, as every example prints them ("id": 1, "reply_to": 1); times ISO 8601 UTC
// ("2024-01-01T12:00:00Z"); values the examples print as null (file_url, reply_to) are nullable.
// Objects are strict, so a field the document does not list shows up here, with why
// (docs/dialects.md, 001 section).
import { z } from "@hono/zod-openapi";

const id = z.number().int().positive();
const isoTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

/** Every error: {"error": "..."}. */
export const Error001 = z.strictObject({ error: z.string() }).openapi("Doc001Error");

/** `{"message": "..."}`: join, leave, read, delete, notification read. */
export const Done001 = z.strictObject({ message: z.string() });

/** §1.4 join: {"message"}, and `status` (an addition): "pending" only for a room made elsewhere that needs approval (202). */
export const Joined001 = Done001.extend({ status: z.enum(["approved", "pending"]) });

/** A user as the examples print one (created_by, sender, members, user). */
export const User001 = z.strictObject({ id, username: z.string(), first_name: z.string(), last_name: z.string() }).openapi("Doc001User");

/** ChatRoom as listed (§1.1) and created (§1.2); room_type public/private/group. */
export const Room001 = z
  .strictObject({
    id,
    name: z.string(),
    description: z.string(),
    room_type: z.enum(["public", "private", "group"]),
    created_by: User001,
    member_count: z.number().int(),
    last_message: z.strictObject({ id, content: z.string(), sender: z.string(), created_at: isoTime }).nullable(),
    is_active: z.boolean(),
    max_members: z.number().int().nullable(),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .openapi("Doc001Room");

/** §1.3: the room with its members. */
export const RoomDetail001 = Room001.extend({ members: z.array(User001) }).openapi("Doc001RoomDetail");

/** §1.6: a membership. */
export const Member001 = z
  .strictObject({
    id,
    room: z.strictObject({ id, name: z.string() }),
    user: User001,
    role: z.enum(["owner", "admin", "member"]),
    joined_at: isoTime,
    last_read_at: isoTime.nullable(),
    is_muted: z.boolean(),
    is_banned: z.boolean(),
  })
  .openapi("Doc001Member");

/** ChatMessage (§2.1, §2.2); message_type text/image/file/system. */
export const Message001 = z
  .strictObject({
    id: id.openapi({ description: "Global message id: room_id × 10^9 + the message's id in its room" }),
    room: z.strictObject({ id, name: z.string() }),
    sender: User001,
    message_type: z.enum(["text", "image", "file", "system"]),
    content: z.string(),
    file_url: z.string().nullable(),
    file_name: z.string().nullable(),
    file_size: z.number().int().nullable(),
    is_edited: z.boolean(),
    is_deleted: z.boolean(),
    reply_to: id.nullable(),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .openapi("Doc001Message");

/** §2.1: a page of messages. */
export const MessagePage001 = z.strictObject({ messages: z.array(Message001), page: z.number().int(), page_size: z.number().int(), total: z.number().int() });

/** ChatNotification (§3.1); notification_type message/mention/room_invite/system. */
export const Notification001 = z
  .strictObject({
    id,
    notification_type: z.enum(["message", "mention", "room_invite", "system"]),
    title: z.string(),
    content: z.string(),
    room: Room001.nullable(),
    message: z.strictObject({ id, content: z.string(), message_type: z.enum(["text", "image", "file", "system"]), created_at: isoTime }).nullable(),
    is_read: z.boolean(),
    created_at: isoTime,
  })
  .openapi("Doc001Notification");

export type Room001Out = z.output<typeof Room001>;
