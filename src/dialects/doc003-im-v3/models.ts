// Document 003's models (schemas.X), written from its text: the appendix's enums, the fields its
// paths and bodies name (conversation_id, target_user_id, user_ids, file_id, message_id: all int),
// the token of /login/access-token and the {"detail"} error. The document names most models
// without listing their fields, so each schema holds what its text says and allows more (a
// client ignores fields it does not know); the dialect's builders are typed by these, and
// test/doc003-contract.test.ts parses every answer with them.
import { z } from "zod";

const int = () => z.number().int();

// ------------------------------------------------------------------ 附录：枚举定义
export const MessageType = z.enum(["text", "file", "image", "audio", "video", "system"]);
export const ConversationType = z.enum(["single", "group"]);
export const MemberRole = z.enum(["owner", "admin", "member"]);

// ------------------------------------------------------------------ 标准响应格式 / 错误处理
export const Detail = z.looseObject({ detail: z.string() });
/** POST /auth/login/access-token */
export const Token = z.looseObject({ access_token: z.string(), token_type: z.literal("bearer") });

// ------------------------------------------------------------------ users
export const User = z.looseObject({ id: int(), username: z.string() });
/** 批量获取用户在线状态: one entry per user asked about. */
export const UserStatus = z.looseObject({ user_id: int(), online: z.boolean().nullable() });
export const UserStatusResponse = z.array(UserStatus);

// ------------------------------------------------------------------ conversations and groups
export const Conversation = z.looseObject({ id: int(), type: ConversationType, name: z.string() });
export type Conversation = z.infer<typeof Conversation>;
/** A member of a conversation: `user_id` is the id its paths take (/members/{user_id}). */
export const ConversationMember = z.looseObject({ id: int(), user_id: int(), role: MemberRole });
export type ConversationMember = z.infer<typeof ConversationMember>;

// ------------------------------------------------------------------ messages
export const Message = z.looseObject({
  id: int(),
  conversation_id: int(),
  sender_id: int(),
  message_type: MessageType,
  content: z.string().nullable(),
  reply_to_id: int().nullable(),
  file_id: int().nullable(),
  created_at: z.string(),
});
export type Message = z.infer<typeof Message>;
export const UnreadCount = z.looseObject({ unread_count: int() });
export const ReadReceipts = z.looseObject({ message_id: int(), read_count: int(), read_by: z.array(z.looseObject({ user_id: int() })) });
export type ReadReceipts = z.infer<typeof ReadReceipts>;

// ------------------------------------------------------------------ files and notifications
export const File = z.looseObject({ id: int() });
export const Notification = z.looseObject({ id: int(), title: z.string(), content: z.string().nullable(), is_read: z.boolean() });
