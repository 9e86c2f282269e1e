// Document 004, conversations: private chats (friends only, the document's rule), the chat view
// with read state, sending, replying, deleting, read marks, and records filtered by member and
// time, through the conversations, messages and members services. A conversation is a core room;
// a message id is the global id (messages/global-id.ts).
import { z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import type { Context } from "hono";
import { clearHistory, openDirect } from "../../conversations/service";
import { getDb, inIds } from "../../db/client";
import { rooms, users } from "../../db/schema";
import { areFriends, friendsBetween } from "../../friends/queries";
import { router, type AppEnv } from "../../http/app-env";
import { listMembers } from "../../members/service";
import { instant as coreInstant } from "../../messages/common";
import { parseGlobalMessageId, toGlobalMessageId } from "../../messages/global-id";
import { deleteMessage, markRead, readHistory, searchRoom, sendMessage } from "../../messages/service";
import { messageInput, type ChatMessage } from "../../room/protocol";
import { readRoom } from "../../rooms/service";
import { body004, wholeInbox, id004, route004, signedIn } from "./common";
import { fail, ok, as004, settleAll, type CodeMap } from "./envelope";

/** Core refusals on a conversation's routes. */
const CHAT: CodeMap = { not_found: 30, not_a_member: 33, direct_conversation: 30, message_not_found: 32, invalid_reply_to: 32, not_your_message: 41 };
const PAGE = 100;

/**
 * The document's rule: private chats are between friends. Checked for the other side of a direct
 * chat before anything is sent into it (26); group conversations have no such rule.
 */
export async function requireFriendInDirect(c: Context<AppEnv>, roomId: number) {
  const db = getDb(c.env.DB);
  const room = await db.select({ kind: rooms.kind, key: rooms.directKey }).from(rooms).where(eq(rooms.id, roomId)).get();
  if (room?.kind !== "direct" || !room.key) return;
  const me = c.var.user.id;
  const [a, b] = room.key.split(":").map(Number);
  if (a !== me && b !== me) return; // not yours: the core answers 33
  if (!(await areFriends(db, me, a === me ? b : a))) throw fail(26);
}

/** A message id the document sent, for this conversation: 32 when it names none of it. */
function messageIn(conversationId: number, globalId: number) {
  const ref = parseGlobalMessageId(globalId);
  if (!ref || ref.roomId !== conversationId) throw fail(32);
  return ref.messageId;
}

const body = (m: ChatMessage) => m.content_text ?? m.file_name ?? "";

/** An ISO 8601 time as the core reads it (UTC, with Z); a time without an offset is taken as UTC. */
function instant(s: string | undefined) {
  if (s === undefined) return undefined;
  const t = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) || !s.includes("T") ? s : `${s}Z`);
  if (Number.isNaN(t.getTime())) throw fail(3);
  // What the core's own search query accepts as a time (a year past 9999 is not one).
  const parsed = coreInstant.safeParse(t.toISOString());
  if (!parsed.success) throw fail(3);
  return parsed.data;
}

/** The text of a message as the core's message body reads it (at most MAX_CONTENT characters), else 3. */
function content(text: string) {
  if (!messageInput.content_text.safeParse(text).success) throw fail(3);
  return text;
}

export const chatRoutes = () => {
  const r = router();
  for (const p of [
    "/get_private_conversations",
    "/create_private_conversation",
    "/conversation/*",
    "/send_message",
    "/delete_message",
    "/reply_message",
    "/mark_as_read/*",
    "/records/*",
    "/delete_records",
  ])
    r.use(p, signedIn);

  const members = (c: Context<AppEnv>, roomId: number) => listMembers(c, roomId, { limit: PAGE, offset: 0 });

  return r
    .openapi(route004("get", "/get_private_conversations", "Your private chats with unread counts; disabled: blocked or the other account is gone (core GET /conversations?kind=direct)"), async (c) => {
      const items = await wholeInbox(c, "direct");
      return ok(c, {
        conversations: items.map((x) => ({
          conversation_id: x.id,
          is_private: true,
          friend_id: x.peer?.id ?? null,
          friend_name: x.peer?.username ?? "",
          friend_avatar: x.peer?.avatar_url ?? "",
          not_read: x.unread_count,
          disabled: x.disabled,
        })),
      });
    })
    .openapi(
      route004("post", "/create_private_conversation", "Get or open the private chat with a friend: 22 no such user, 26 not friends (core POST /conversations/direct)", body004(z.object({ friend_id: id004 }))),
      async (c) => {
        const friendId = c.req.valid("json").friend_id;
        const db = getDb(c.env.DB);
        const them = await db
          .select({ id: users.id, friend: sql<number>`${friendsBetween(c.var.user.id, users.id)}` })
          .from(users)
          .where(eq(users.id, friendId))
          .get();
        if (!them) throw fail(22);
        if (!them.friend) throw fail(26);
        const chat = await as004(openDirect(c, friendId), { user_not_found: 22 });
        return ok(c, { conversation_id: chat.id, friend_id: chat.peer.id, friend_name: chat.peer.username, friend_avatar: chat.peer.avatar_url ?? "" });
      },
    )
    .openapi(
      route004("get", "/conversation/{conversation_id}", "The chat view: the last 100 messages, oldest first, with is_read (private) or read_by (group) and what each replies to", {
        params: z.object({ conversation_id: id004 }),
      }),
      async (c) => {
        const roomId = c.req.valid("param").conversation_id;
        const [room, history, people] = await settleAll(
          [readRoom(c, roomId), readHistory(c, roomId, { limit: PAGE, offset: 0 }), members(c, roomId)] as const,
          CHAT,
        );
        const kind = room.kind;
        const messages = history.messages.filter((m) => !m.deleted);
        const avatar = new Map(people.map((p) => [p.m.userId, p.avatar ?? ""]));
        return ok(c, {
          messages: messages.map((m) => {
            const readers = people.filter((p) => p.m.userId !== m.sender_id && p.m.lastReadMessageId >= m.id).map((p) => p.m.userId);
            return {
              msg_id: toGlobalMessageId(roomId, m.id),
              msg_body: body(m),
              sender_id: m.sender_id,
              sender_name: m.sender_name,
              sender_avatar: avatar.get(m.sender_id) ?? "",
              create_time: m.sent_at,
              ...(kind === "direct" ? { is_read: readers.length > 0 } : { read_by: readers }),
              reply_count: m.reply_count,
              reply_to:
                m.reply_to && !m.reply_to.deleted
                  ? {
                      msg_id: toGlobalMessageId(roomId, m.reply_to.id),
                      content: m.reply_to.preview ?? "",
                      sender_id: m.reply_to.sender_id,
                      sender_name: m.reply_to.sender_name,
                      sender_avatar: avatar.get(m.reply_to.sender_id) ?? "",
                    }
                  : null,
            };
          }),
        });
      },
    )
    .openapi(
      route004("post", "/send_message", "Send a text message: {message_id} (core POST /chat-rooms/{id}/messages)", body004(z.object({ conversation_id: id004, content: z.string() }))),
      async (c) => {
        const b = c.req.valid("json");
        await requireFriendInDirect(c, b.conversation_id);
        const m = await as004(sendMessage(c, b.conversation_id, { message_type: "text", content_text: content(b.content) }, new URL(c.req.url).origin), CHAT);
        return ok(c, { message_id: toGlobalMessageId(b.conversation_id, m.id) });
      },
    )
    .openapi(
      route004(
        "post",
        "/reply_message",
        "Reply to a message of the conversation: {message_id} (core POST /chat-rooms/{id}/messages with reply_to_id)",
        body004(z.object({ conversation_id: id004, reply_to_id: id004, content: z.string() })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        const parent = messageIn(b.conversation_id, b.reply_to_id);
        await requireFriendInDirect(c, b.conversation_id);
        const m = await as004(
          sendMessage(c, b.conversation_id, { message_type: "text", content_text: content(b.content), reply_to_id: parent }, new URL(c.req.url).origin),
          CHAT,
        );
        return ok(c, { message_id: toGlobalMessageId(b.conversation_id, m.id) });
      },
    )
    .openapi(
      route004("post", "/delete_message", "Delete a message: yours, or any as the group's owner or an admin (core DELETE /chat-rooms/{id}/messages/{id})", body004(z.object({ conversation_id: id004, message_id: id004 }))),
      async (c) => {
        const b = c.req.valid("json");
        const messageId = messageIn(b.conversation_id, b.message_id);
        await as004(deleteMessage(c, b.conversation_id, messageId), CHAT);
        return ok(c);
      },
    )
    .openapi(
      route004("post", "/mark_as_read/{conversation_id}", "Everything so far counts as read for you (core POST /chat-rooms/{id}/read)", { params: z.object({ conversation_id: id004 }) }),
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
        {
          params: z.object({ conversation_id: id004 }),
          query: z.object({ start_time: z.string().max(64).optional(), end_time: z.string().max(64).optional(), member_id: id004.optional() }),
        },
      ),
      async (c) => {
        const roomId = c.req.valid("param").conversation_id;
        const q = c.req.valid("query");
        const since = instant(q.start_time);
        const until = instant(q.end_time);
        if (since && until && since >= until) throw fail(3);
        if (q.member_id !== undefined) {
          const people = await as004(members(c, roomId), CHAT);
          if (!people.some((p) => p.m.userId === q.member_id)) throw fail(31);
        }
        const found = await as004(searchRoom(c, roomId, { sender_id: q.member_id, since, until, limit: PAGE }), CHAT);
        const avatars = await avatarsOf(c, found.map((m) => m.sender_id));
        return ok(c, {
          messages: found.reverse().map((m) => ({
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
      route004("post", "/delete_records", "Clear the conversation's records for yourself; the others keep theirs (core POST /chat-rooms/{id}/clear-history)", body004(z.object({ conversation_id: id004 }))),
      async (c) => {
        await as004(clearHistory(c, c.req.valid("json").conversation_id), CHAT);
        return ok(c);
      },
    );
};

/** Senders' pictures (public URLs), one query for all of them. */
async function avatarsOf(c: Context<AppEnv>, ids: number[]) {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map<number, string>();
  const rows = await getDb(c.env.DB).select({ id: users.id, avatar: users.avatarUrl }).from(users).where(inIds(users.id, unique)).all();
  return new Map(rows.map((r) => [r.id, r.avatar ?? ""]));
}
