// Document 004, conversations: private chats (friends only, the document's rule), the chat view
// with read state, sending, replying, deleting, read marks, and records filtered by member and
// time, through the conversations, messages and members services. A conversation is a core room;
// a message id is the global id (messages/global-id.ts).
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { clearHistory, openDirect } from "../../conversations/service";
import { router, type AppEnv } from "../../http/app-env";
import { listMembers } from "../../members/service";
import { parseGlobalMessageId, toGlobalMessageId } from "../../messages/global-id";
import { deleteMessage, markRead, readHistory, searchRoom, sendMessage } from "../../messages/service";
import { messageInput, type ChatMessage } from "../../room/protocol";
import { readRoom } from "../../rooms/service";
import { avatarsByIds } from "../../users/service";
import { body004, wholeInbox, id004, route004, signedIn, signedInAs } from "./common";
import { fail, ok, as004, settleAll, type CodeMap } from "./envelope";
import { friendship, requireFriendInDirect } from "./friendship";
import { Filters, filters } from "./filters";
import { ChatViewReply, Empty, MessageIdReply, PrivateConversationReply, PrivateConversationsReply, RecordsReply } from "./models";

/** Core refusals on a conversation's routes. */
const CHAT: CodeMap = { not_found: 30, not_a_member: 33, direct_conversation: 30, message_not_found: 32, invalid_reply_to: 32, not_your_message: 41 };
const PAGE = 100;

/**
 * A message id for this conversation, checking the conversation first when the id is not one of
 * its messages: an unknown or foreign conversation answers as `map` says (30 / 33), then 32.
 */
async function messageInChecked(c: Context<AppEnv>, conversationId: number, globalId: number, map: CodeMap) {
  const ref = parseGlobalMessageId(globalId);
  if (ref && ref.roomId === conversationId) return ref.messageId;
  await as004(readRoom(c, conversationId), map);
  throw fail(32);
}

const body = (m: ChatMessage) => m.content_text ?? m.file_name ?? "";

/** The newest PAGE messages matching, oldest first; 31 when member_id names no member of the conversation. */
async function matching(c: Context<AppEnv>, roomId: number, f: ReturnType<typeof filters>, people: { m: { userId: number } }[]) {
  if (f.sender_id !== undefined && !people.some((p) => p.m.userId === f.sender_id)) throw fail(31);
  return (await as004(searchRoom(c, roomId, { ...f, limit: PAGE }), CHAT)).reverse();
}

/** The text of a message as the core's message body reads it (at most MAX_CONTENT characters), else 3. */
function content(text: string) {
  if (!messageInput.content_text.safeParse(text).success) throw fail(3);
  return text;
}

export const chatRoutes = () => {
  const r = router();
  for (const p of ["/get_private_conversations", "/create_private_conversation", "/delete_message", "/reply_message", "/mark_as_read/*", "/records/*", "/delete_records"])
    r.use(p, signedIn);
  // Their tables give 31 for a user who does not exist: a signed token whose account is gone.
  for (const p of ["/conversation/*", "/send_message"]) r.use(p, signedInAs(31));

  const members = (c: Context<AppEnv>, roomId: number) => listMembers(c, roomId, { limit: PAGE, offset: 0 });

  return r
    .openapi(
      route004(
        "get",
        "/get_private_conversations",
        "Your private chats with unread counts; disabled: no longer friends, blocked, or the other account is gone (core GET /conversations?kind=direct)",
        PrivateConversationsReply,
      ),
      async (c) => {
        const items = await wholeInbox(c, "direct");
        // A private chat is between friends (the document's rule): without the friendship it takes no messages.
        const friendly = await friendship(c, items.flatMap((x) => (x.peer ? [x.peer.id] : [])));
        return ok(c, PrivateConversationsReply, {
          conversations: items.map((x) => ({
            conversation_id: x.id,
            is_private: true as const,
            friend_id: x.peer?.id ?? null,
            friend_name: x.peer?.username ?? "",
            friend_avatar: x.peer?.avatar_url ?? "",
            not_read: x.unread_count,
            disabled: x.disabled || !x.peer || !friendly.get(x.peer.id),
          })),
        });
      },
    )
    .openapi(
      route004(
        "post",
        "/create_private_conversation",
        "Get or open the private chat with a friend: 22 no such user, 26 not friends (core POST /conversations/direct)",
        PrivateConversationReply,
        body004(z.object({ friend_id: id004 })),
      ),
      async (c) => {
        const friendId = c.req.valid("json").friend_id;
        const friend = (await friendship(c, [friendId])).get(friendId);
        if (friend === undefined) throw fail(22);
        if (!friend) throw fail(26);
        const chat = await as004(openDirect(c, friendId), { user_not_found: 22 });
        return ok(c, PrivateConversationReply, {
          conversation_id: chat.id,
          friend_id: chat.peer.id,
          friend_name: chat.peer.username,
          friend_avatar: chat.peer.avatar_url ?? "",
        });
      },
    )
    .openapi(
      route004(
        "get",
        "/conversation/{conversation_id}",
        "The chat view: the last 100 messages, oldest first, with is_read (private) or read_by (group) and what each replies to. start_time, end_time and member_id filter as in records (the document's examples call them here)",
        ChatViewReply,
        { params: z.object({ conversation_id: id004 }), query: Filters },
      ),
      async (c) => {
        const roomId = c.req.valid("param").conversation_id;
        const q = c.req.valid("query");
        const filtered = q.start_time !== undefined || q.end_time !== undefined || q.member_id !== undefined;
        const f = filters(q);
        const [room, people, history] = await settleAll(
          [readRoom(c, roomId), members(c, roomId), filtered ? Promise.resolve(null) : readHistory(c, roomId, { limit: PAGE, offset: 0, withThreads: true })] as const,
          CHAT,
        );
        const messages = (history ? history.messages : await matching(c, roomId, f, people)).filter((m) => !m.deleted);
        const avatar = new Map(people.map((p) => [p.m.userId, p.avatar ?? ""]));
        const shown = new Map(messages.map((m) => [m.id, m]));
        const common = messages.map((m) => {
          const parent = m.reply_to && !m.reply_to.deleted ? m.reply_to : null;
          return {
            message: {
              msg_id: toGlobalMessageId(roomId, m.id),
              msg_body: body(m),
              sender_id: m.sender_id,
              sender_name: m.sender_name,
              sender_avatar: avatar.get(m.sender_id) ?? "",
              create_time: m.sent_at,
              reply_count: m.reply_count,
              reply_to: parent && {
                msg_id: toGlobalMessageId(roomId, parent.id),
                // The whole text when the replied message is on the page; else the core's preview (its first 200 characters).
                content: (shown.has(parent.id) ? body(shown.get(parent.id)!) : parent.preview) ?? "",
                sender_id: parent.sender_id,
                sender_name: parent.sender_name,
                sender_avatar: avatar.get(parent.sender_id) ?? "",
                create_time: parent.sent_at,
              },
            },
            readers: people.filter((p) => p.m.userId !== m.sender_id && p.m.lastReadMessageId >= m.id).map((p) => p.m.userId),
          };
        });
        return ok(c, ChatViewReply, {
          messages:
            room.kind === "direct"
              ? common.map((x) => ({ ...x.message, is_read: x.readers.length > 0 }))
              : common.map((x) => ({ ...x.message, read_by: x.readers })),
        });
      },
    )
    .openapi(
      route004(
        "post",
        "/send_message",
        "Send a text message: {message_id} (core POST /chat-rooms/{id}/messages)",
        MessageIdReply,
        body004(z.object({ conversation_id: id004, content: z.string() })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        await requireFriendInDirect(c, b.conversation_id);
        const m = await as004(sendMessage(c, b.conversation_id, { message_type: "text", content_text: content(b.content) }, new URL(c.req.url).origin), CHAT);
        return ok(c, MessageIdReply, { message_id: toGlobalMessageId(b.conversation_id, m.id) });
      },
    )
    .openapi(
      route004(
        "post",
        "/reply_message",
        "Reply to a message of the conversation: {message_id} (core POST /chat-rooms/{id}/messages with reply_to_id)",
        MessageIdReply,
        body004(z.object({ conversation_id: id004, reply_to_id: id004, content: z.string() })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        // Its table has no 30: a conversation that does not exist holds no such message (32).
        const parent = await messageInChecked(c, b.conversation_id, b.reply_to_id, { ...CHAT, not_found: 32 });
        await requireFriendInDirect(c, b.conversation_id);
        const m = await as004(
          sendMessage(c, b.conversation_id, { message_type: "text", content_text: content(b.content), reply_to_id: parent }, new URL(c.req.url).origin),
          CHAT,
        );
        return ok(c, MessageIdReply, { message_id: toGlobalMessageId(b.conversation_id, m.id) });
      },
    )
    .openapi(
      route004(
        "post",
        "/delete_message",
        "Delete a message: yours, or any as the group's owner or an admin (core DELETE /chat-rooms/{id}/messages/{id}); the conversation is checked first (30, 33)",
        Empty,
        body004(z.object({ conversation_id: id004, message_id: id004 })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        const messageId = await messageInChecked(c, b.conversation_id, b.message_id, CHAT);
        await as004(deleteMessage(c, b.conversation_id, messageId), CHAT);
        return ok(c);
      },
    )
    .openapi(
      route004("post", "/mark_as_read/{conversation_id}", "Everything so far counts as read for you (core POST /chat-rooms/{id}/read)", Empty, {
        params: z.object({ conversation_id: id004 }),
      }),
      async (c) => {
        await as004(markRead(c, c.req.valid("param").conversation_id), CHAT);
        return ok(c);
      },
    )
    .openapi(
      route004(
        "get",
        "/records/{conversation_id}",
        "Records by time (ISO 8601 start_time inclusive, end_time exclusive) and sender (member_id: 31 when not in the conversation); the newest 100 matches, oldest first (core GET /chat-rooms/{id}/messages/search)",
        RecordsReply,
        { params: z.object({ conversation_id: id004 }), query: Filters },
      ),
      async (c) => {
        const roomId = c.req.valid("param").conversation_id;
        const f = filters(c.req.valid("query"));
        const people = f.sender_id === undefined ? [] : await as004(members(c, roomId), CHAT);
        const found = await matching(c, roomId, f, people);
        const avatars = await avatarsOf(c, found.map((m) => m.sender_id));
        return ok(c, RecordsReply, {
          messages: found.map((m) => ({
            msg_id: toGlobalMessageId(roomId, m.id),
            msg_body: body(m),
            sender_id: m.sender_id,
            sender_name: m.sender_name,
            sender_avatar: avatars.get(m.sender_id) ?? "",
            create_time: m.sent_at,
          })),
        });
      },
    )
    .openapi(
      route004(
        "post",
        "/delete_records",
        "Clear the conversation's records for yourself; the others keep theirs (core POST /chat-rooms/{id}/clear-history)",
        Empty,
        body004(z.object({ conversation_id: id004 })),
      ),
      async (c) => {
        await as004(clearHistory(c, c.req.valid("json").conversation_id), CHAT);
        return ok(c);
      },
    );
};

/** Senders' pictures (public URLs), one query for all of them. */
const avatarsOf = (c: Context<AppEnv>, ids: number[]) => avatarsByIds(c, ids);
