// Document 003, messages at /api/v1/messages/...: sending text, files and locations into a
// conversation, reading history and single messages, read state, editing, recalling, receipts
// and typing. A message id here is the global id (messages/global-id.ts); every rule is the
// core's, reached through the messages and conversations services.
import { z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { router, type AppEnv } from "../../http/app-env";
import type { Context } from "hono";
import { intQuery } from "../../http/schemas";
import { ApiError, badRequest } from "../../http/errors";
import { parseGlobalMessageId, requireGlobalMessageId, type MessageRef } from "../../messages/global-id";
import { unreadCounts } from "../../conversations/service";
import {
  editMessage,
  markRead,
  readHistory,
  readMessage,
  readReceipts,
  recallMessage,
  sendMessage,
  setTyping,
  type MessageDraft,
} from "../../messages/service";
import { LocationInput, MAX_CONTENT, messageInput } from "../../room/protocol";
import { body003, coreInput, pathId, route003, toMessage003 } from "./common";
import type { Message, ReadReceipts, UnreadCount } from "./models";

const conversation_id = z.number().int().positive();
const notThisConversation = () => badRequest("invalid_message_id", "This message id is not a message of that conversation");
/**
 * A message id in a path: any digits. One the server never issued (it names no room's message, or
 * a room that does not exist) is unknown, 404 message_not_found, not malformed.
 */
const MessageIdParam = z.object({
  message_id: z
    .string()
    .regex(/^[0-9]{1,32}$/, "must be a positive integer")
    .openapi({ param: { name: "message_id", in: "path" }, type: "integer" }),
});
const messageNotFound = () => new ApiError(404, "message_not_found", "Message not found");

/** Runs `f` on the message a path id names, or answers 404 for an id that names none. */
async function atMessage<T>(id: string, f: (ref: MessageRef) => Promise<T>): Promise<T> {
  const ref = parseGlobalMessageId(id);
  if (!ref) throw messageNotFound();
  try {
    return await f(ref);
  } catch (e) {
    if (e instanceof ApiError && e.code === "room_not_found") throw messageNotFound();
    throw e;
  }
}
/** 003's MessageType: `audio` is the core's voice note. */
const kind003 = z.enum(["text", "file", "image", "audio", "voice", "video"]).transform((t) => (t === "audio" ? "voice" : t));

/** The core's edit body: the text's limit and its error as the core words it. */
const EditBody = z.object({ content_text: z.string().max(MAX_CONTENT) });

export const messageRoutes003 = (): OpenAPIHono<AppEnv> => {
  const send = async (c: Context<AppEnv>, roomId: number, draft: MessageDraft): Promise<Message> => toMessage003(await sendMessage(c, roomId, draft, new URL(c.req.url).origin));
  /** A reply target given as a global id must be a message of the same conversation. */
  const replyTo = (roomId: number, id: number | undefined | null) => {
    if (id === undefined || id === null) return undefined;
    const ref = requireGlobalMessageId(id);
    if (ref.roomId !== roomId) throw notThisConversation();
    return ref.messageId;
  };

  return router()
    .openapi(
      route003("post", "/messages/text", "Send a text message (core POST /chat-rooms/{id}/messages)", body003(
        z.object({ conversation_id, content: messageInput.content_text, reply_to_id: z.number().int().positive().nullish(), client_id: messageInput.client_id }),
      )),
      async (c) => {
        const b = c.req.valid("json");
        const reply = replyTo(b.conversation_id, b.reply_to_id);
        return c.json(await send(c, b.conversation_id, { message_type: "text", content_text: b.content, reply_to_id: reply, client_id: b.client_id }), 200);
      },
    )
    .openapi(
      route003("post", "/messages/file", "Send an uploaded file (POST /files/upload first) as a message; message_type image, audio, video or file (core POST /chat-rooms/{id}/messages)", body003(
        z.object({ conversation_id, file_id: z.number().int().positive(), message_type: kind003.optional(), content: messageInput.content_text, client_id: messageInput.client_id }),
      )),
      async (c) => {
        const b = c.req.valid("json");
        return c.json(await send(c, b.conversation_id, { file_id: b.file_id, message_type: b.message_type ?? "file", content_text: b.content, client_id: b.client_id }), 200);
      },
    )
    .openapi(
      route003("post", "/messages/location", "Send a location (core POST /chat-rooms/{id}/messages, message_type location)", body003(
        z.object({
          conversation_id,
          ...LocationInput.shape,
          content: messageInput.content_text,
          client_id: messageInput.client_id,
        }),
      )),
      async (c) => {
        const b = c.req.valid("json");
        return c.json(
          await send(c, b.conversation_id, {
            message_type: "location",
            location: { latitude: b.latitude, longitude: b.longitude, name: b.name ?? null, address: b.address ?? null },
            content_text: b.content,
            client_id: b.client_id,
          }),
          200,
        );
      },
    )
    .openapi(
      route003("get", "/messages/conversation/{conversation_id}", "History, oldest first: the newest `limit` (1-100, default 100) after skipping the `skip` newest (core GET /chat-rooms/{id}/messages)", {
        params: z.object({ conversation_id: pathId("conversation_id") }),
        query: z.object({ skip: intQuery(0, 1_000_000).default(0), limit: intQuery(1, 100).default(100) }),
      }),
      async (c) => {
        const { conversation_id: roomId } = c.req.valid("param");
        const { skip, limit } = c.req.valid("query");
        const page = await readHistory(c, roomId, { offset: skip, limit, withThreads: true });
        return c.json(page.messages.map(toMessage003), 200);
      },
    )
    .openapi(route003("get", "/messages/single/{message_id}", "One message by its global id (core GET /chat-rooms/{id}/messages/{id})", { params: MessageIdParam }), async (c) =>
      c.json(await atMessage(c.req.valid("param").message_id, async (ref) => toMessage003(await readMessage(c, ref.roomId, ref.messageId))), 200),
    )
    .openapi(
      route003(
        "post",
        "/messages/mark-read",
        "Move your read position in a conversation to message_id (global), or to its last message (core POST /chat-rooms/{id}/read)",
        body003(z.object({ conversation_id, message_id: z.number().int().positive().nullish() })),
        204,
      ),
      async (c) => {
        const b = c.req.valid("json");
        let upTo: number | undefined;
        if (b.message_id != null) {
          const ref = requireGlobalMessageId(b.message_id);
          if (ref.roomId !== b.conversation_id) throw notThisConversation();
          upTo = ref.messageId;
        }
        await markRead(c, b.conversation_id, upTo);
        return c.body(null, 204);
      },
    )
    .openapi(route003("get", "/messages/unread/count", "Your unread messages over all conversations: unread_count (core GET /conversations/unread)"), async (c) => {
      const totals = await unreadCounts(c);
      const count: z.infer<typeof UnreadCount> = { unread_count: totals.unread_messages, ...totals };
      return c.json(count, 200);
    })
    .openapi(
      route003("put", "/messages/{message_id}", "Edit your message (core PATCH /chat-rooms/{id}/messages/{id})", {
        params: MessageIdParam,
        ...body003(z.object({ content: z.string() })),
      }),
      async (c) => {
        const { content_text } = coreInput(EditBody, { content_text: c.req.valid("json").content });
        const edited = await atMessage(c.req.valid("param").message_id, (ref) => editMessage(c, ref.roomId, ref.messageId, content_text));
        return c.json(toMessage003(edited), 200);
      },
    )
    .openapi(
      route003("post", "/messages/{message_id}/recall", "Recall your message within RECALL_WINDOW_SECONDS of sending it (core POST /chat-rooms/{id}/messages/{id}/recall)", { params: MessageIdParam }, 204),
      async (c) => {
        await atMessage(c.req.valid("param").message_id, (ref) => recallMessage(c, ref.roomId, ref.messageId));
        return c.body(null, 204);
      },
    )
    .openapi(
      route003("get", "/messages/{message_id}/read-receipts", "Who has read this message (core GET /chat-rooms/{id}/messages/{id}/read-by)", { params: MessageIdParam }),
      async (c) => {
        const id = c.req.valid("param").message_id;
        const readers = await atMessage(id, (ref) => readReceipts(c, ref.roomId, ref.messageId));
        const receipts: ReadReceipts = { message_id: Number(id), read_count: readers.length, read_by: readers };
        return c.json(receipts, 200);
      },
    )
    .openapi(
      route003("post", "/messages/typing", "Say you are typing in a conversation (core POST /chat-rooms/{id}/typing)", body003(z.object({ conversation_id, is_typing: z.boolean().optional() })), 204),
      async (c) => {
        const b = c.req.valid("json");
        await setTyping(c, b.conversation_id, b.is_typing ?? true);
        return c.body(null, 204);
      },
    );
};
