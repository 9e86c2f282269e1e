// Document 004's answers, written from its text: each endpoint's "成功响应" as a zod schema (the
// data beside {"code": 0, "info": "Succeed"}), and the error body. The routes build their replies
// typed by these (ok in envelope.ts), the OpenAPI document shows them, and the contract test
// parses every reply against them.
//
// The document prints values as placeholders ("会话ID", "未读消息数目"); its numeric examples fix
// the types: ids are integers (user_id: 1, request_id: 123, members [{id: 1}]), counts are
// integers, flags are booleans (is_private: true) except is_friend (1 / 0). Objects are strict, so
// a field the document does not list is visible here, with why (docs/dialects.md, 004 section).
import { z } from "@hono/zod-openapi";

const id = z.number().int().positive();
/** A picture as the document names it "链接" / "URL": a link, "" for none. */
const link = z.string();
/** A time as the core gives it (ISO 8601, UTC). */
const isoTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
/** "2024-03-21 12:00:00", as the document prints sent_time (UTC). */
const docTime = z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

/** Every failure: {"code": <number>, "info": "<text>"}. */
export const Failure = z.strictObject({ code: z.number().int().positive(), info: z.string() }).openapi("Doc004Failure");

/** "//": success with nothing beside the envelope. */
export const Empty = z.strictObject({});

/** POST /user/login. */
export const LoginReply = z.strictObject({ token: z.string().min(1) });

/** PUT /user/update_auth_info: "//"; a new password revokes older tokens, so its answer carries a fresh one (addition). */
export const AuthInfoReply = z.strictObject({ token: z.string().min(1).optional() });

/** GET /user/search_friends. */
export const SearchReply = z.strictObject({ data: z.array(z.strictObject({ user_id: id, username: z.string(), avatar_base64: z.string() })) });

/** GET /user/profile/{user_name}: email and phone are null on someone else's profile (privacy). */
export const ProfileReply = z.strictObject({
  user_id: id,
  username: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  avatar_base64: z.string(),
  is_friend: z.union([z.literal(0), z.literal(1)]),
});

/** 待处理/已同意/已拒绝, in the words respond_friend_request takes. */
const friendRequestStatus = z.enum(["pending", "accept", "reject"]);

/** GET /user/friend_requests. */
export const FriendRequestsReply = z.strictObject({
  requests: z.array(
    z.strictObject({ request_id: id, sender_id: id, sender_name: z.string(), sender_avatar: link, status: friendRequestStatus, sent_time: docTime }),
  ),
  sent_requests: z.array(
    z.strictObject({ request_id: id, receiver_id: id, receiver_name: z.string(), receiver_avatar: link, status: friendRequestStatus, sent_time: docTime }),
  ),
});

/** GET /user/get_friends; friend_group (the group add_friend_to_friend_group put them in) is an addition. */
export const FriendsReply = z.strictObject({
  friends: z.array(z.strictObject({ friend_id: id, friend_name: z.string(), friend_avatar: link, friend_group: z.string().nullable() })),
});

/** GET /user/get_private_conversations; friend_id is null once the other account is deleted (disabled then). */
export const PrivateConversationsReply = z.strictObject({
  conversations: z.array(
    z.strictObject({
      conversation_id: id,
      is_private: z.literal(true),
      friend_id: id.nullable(),
      friend_name: z.string(),
      friend_avatar: link,
      not_read: z.number().int().nonnegative(),
      disabled: z.boolean(),
    }),
  ),
});

/** POST /user/create_private_conversation. */
export const PrivateConversationReply = z.strictObject({ conversation_id: id, friend_id: id, friend_name: z.string(), friend_avatar: link });

/** A message as records list it. */
const recordFields = { msg_id: id, msg_body: z.string(), sender_id: id, sender_name: z.string(), sender_avatar: link, create_time: isoTime };

/** "如果有回复，显示被回复消息的信息": the replied message, or null. */
const ReplyTo = z.strictObject({ msg_id: id, content: z.string(), sender_id: id, sender_name: z.string(), sender_avatar: link, create_time: isoTime }).nullable();

const viewFields = { ...recordFields, reply_count: z.number().int().nonnegative(), reply_to: ReplyTo };
/** "is_read ... 仅私聊", "read_by ... 仅群聊": a message carries the one its conversation's kind has. */
export const PrivateChatMessage = z.strictObject({ ...viewFields, is_read: z.boolean() });
export const GroupChatMessage = z.strictObject({ ...viewFields, read_by: z.array(id) });

/** GET /user/conversation/{conversation_id}. */
export const ChatViewReply = z.strictObject({ messages: z.union([z.array(PrivateChatMessage), z.array(GroupChatMessage)]) });

/** POST /user/send_message, /user/reply_message. */
export const MessageIdReply = z.strictObject({ message_id: id });

/** GET /user/records/{conversation_id}. */
export const RecordsReply = z.strictObject({ messages: z.array(z.strictObject(recordFields)) });

/** POST /user/create_group_conversation. */
export const GroupCreatedReply = z.strictObject({
  conversation_id: id,
  name: z.string(),
  members: z.array(z.strictObject({ id, username: z.string() })),
  owner_id: id,
});

/** GET /user/get_group_conversation. */
export const GroupsReply = z.strictObject({
  conversations: z.array(
    z.strictObject({ id, is_private: z.literal(false), group_name: z.string(), group_avatar: link, not_read: z.number().int().nonnegative(), disabled: z.boolean() }),
  ),
});

/** POST /user/invite_member: the owner or an admin adds at once; a member's invitation waits. */
export const InvitedReply = z.union([z.strictObject({ message: z.literal("User added directly by admin/owner") }), z.strictObject({ request_id: id })]);

/** GET /user/view_invitations; inviter_id is null once the inviter's account is deleted. */
export const InvitationsReply = z.strictObject({
  join_requests: z.array(
    z.strictObject({
      request_id: id,
      invitee_id: id,
      invitee_name: z.string(),
      inviter_id: id.nullable(),
      inviter_name: z.string(),
      status: z.enum(["pending", "accepted", "rejected"]),
      created_at: isoTime,
    }),
  ),
});

/** A reply's data: one of the models above. */
export type Model = z.ZodObject | z.ZodUnion<readonly z.ZodObject[]>;

const head = { code: z.literal(0), info: z.literal("Succeed") };

/** The whole success body of a model: {"code": 0, "info": "Succeed", ...data}. */
export type Succeeded<M extends Model> = { code: 0; info: "Succeed" } & z.infer<M>;

/** The schema of that body (for the OpenAPI document and the tests). */
export function succeeded<M extends Model>(model: M): z.ZodType<Succeeded<M>> {
  const whole =
    model instanceof z.ZodUnion ? z.union(model.options.map((o) => z.strictObject({ ...head, ...o.shape }))) : z.strictObject({ ...head, ...model.shape });
  return whole as unknown as z.ZodType<Succeeded<M>>;
}
