// Messages and the room socket, served through the room's Durable Object: send, history, edit,
// delete, read positions and receipts, who is online, and the WebSocket upgrade. The worker
// authorizes every call from D1; the object only orders, stores and fans out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { requireUpgrade } from "../http/errors";
import { boolQuery, errors, intQuery, json, jsonBody, noContent, pick, RoomIdParam, upgraded } from "../http/schemas";
import { messageInput, MAX_CONTENT } from "../room/protocol";
import { ChatMessage, instant, MessageParams, SearchText } from "./common";
import {
  deleteMessage,
  editMessage,
  markRead,
  onlineMembers,
  openSocket,
  readHistory,
  readMessage,
  readReceipts,
  recallMessage,
  searchRoom,
  sendMessage,
  setTyping,
  uploadMessage,
} from "./service";

const MessageCreate = z
  .object({
    ...messageInput,
    content: messageInput.content_text.openapi({ description: "Alias of content_text" }),
    reply_to: messageInput.reply_to_id.openapi({ description: "Alias of reply_to_id" }),
  })
  .strict()
  .openapi("ChatMessageCreate");

const cursor = intQuery(0, Number.MAX_SAFE_INTEGER);
const HistoryQuery = z.object({
  limit: intQuery(1, 100).default(50),
  offset: intQuery(0, 1_000_000).default(0),
  before: cursor.optional().openapi({ description: "Only messages with a smaller id" }),
  after: cursor.optional().openapi({ description: "Only messages with a larger id, oldest first (for pollers)" }),
  with_threads: boolQuery.optional().openapi({ description: "Include thread-only replies (by default the main timeline leaves them out: docs/threads.md)" }),
});

const SearchQuery = z
  .object({
    q: SearchText.optional(),
    sender_id: intQuery(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "Only this sender's messages" }),
    since: instant.optional().openapi({ description: "Sent at or after" }),
    until: instant.optional().openapi({ description: "Sent before" }),
    before: cursor.optional().openapi({ description: "Only messages with a smaller id (the next page: the last id you got)" }),
    limit: intQuery(1, 100).default(20),
  })
  .refine((q) => !q.since || !q.until || q.since < q.until, { message: "since must be before until", path: ["until"] });

export const messageRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/messages",
      tags: ["messages"],
      summary: "Send a message (pushed to every socket of the room). A repeated client_id returns the original message.",
      request: { params: RoomIdParam, ...jsonBody(MessageCreate) },
      responses: { 200: json(ChatMessage), ...pick(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { content, reply_to, ...draft } = body;
      const message = await sendMessage(
        c,
        c.req.valid("param").room_id,
        { ...draft, content_text: body.content_text ?? content ?? null, reply_to_id: body.reply_to_id ?? reply_to ?? null },
        new URL(c.req.url).origin,
      );
      return c.json(message, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/upload",
      tags: ["messages", "files"],
      summary:
        "Upload a file and post it as a message in one call (multipart `file`, optional `content_text` caption, `client_id`, `reply_to_id`); typed image, voice or file from its sniffed content",
      request: {
        params: RoomIdParam,
        body: {
          content: {
            "multipart/form-data": {
              schema: {
                type: "object",
                required: ["file"],
                properties: {
                  file: { type: "string", format: "binary" },
                  content_text: { type: "string", maxLength: MAX_CONTENT },
                  client_id: { type: "string", maxLength: 64 },
                  reply_to_id: { type: "integer" },
                },
              },
            },
          },
          required: true,
        },
      },
      responses: { 200: json(ChatMessage), ...pick(400, 401, 403, 404, 409, 429), 413: errors[400], 415: errors[400] },
    }),
    async (c) => c.json(await uploadMessage(c, c.req.raw, { roomId: c.req.valid("param").room_id }), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/messages",
      tags: ["messages"],
      summary:
        "History, oldest first: the newest `limit` messages skipping the `offset` newest; `before`/`after` bound by message id. Headers X-Last-Message-Id, X-Oldest-Message-Id, and X-History-Gap when `after` is older than the room still holds.",
      request: { params: RoomIdParam, query: HistoryQuery },
      responses: { 200: json(z.array(ChatMessage)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { with_threads, ...q } = c.req.valid("query");
      const page = await readHistory(c, c.req.valid("param").room_id, { ...q, withThreads: with_threads ?? false });
      c.header("X-Last-Message-Id", String(page.last_id));
      c.header("X-Oldest-Message-Id", String(page.oldest_id));
      if (page.gap) c.header("X-History-Gap", `${page.gap.from_id}-${page.gap.to_id}`);
      return c.json(page.messages, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/typing",
      tags: ["messages"],
      summary:
        "Say you are typing (or stopped, with is_typing false), for clients without a socket: the room's sockets but yours get a typing frame that expires on its own after 5 s. Repeat every ~3 s while typing.",
      request: {
        params: RoomIdParam,
        body: { content: { "application/json": { schema: z.object({ is_typing: z.boolean().optional() }).strict().openapi("TypingRequest") } } },
      },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { is_typing = true } = c.req.valid("json") ?? {};
      await setTyping(c, c.req.valid("param").room_id, is_typing);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/messages/search",
      tags: ["messages"],
      summary:
        "Search the room's messages, newest first: by words (`q`: every word must occur in the text or file name), sender and time. Page with `before`. Deleted messages are not found.",
      request: { params: RoomIdParam, query: SearchQuery },
      responses: { 200: json(z.array(ChatMessage)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await searchRoom(c, c.req.valid("param").room_id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/messages/{message_id}",
      tags: ["messages"],
      summary: "One message (owner, active members, system admins)",
      request: { params: MessageParams },
      responses: { 200: json(ChatMessage), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, message_id } = c.req.valid("param");
      return c.json(await readMessage(c, room_id, message_id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{room_id}/messages/{message_id}",
      tags: ["messages"],
      summary: "Edit your own message (broadcast as message_updated)",
      request: { params: MessageParams, ...jsonBody(z.object({ content_text: z.string().max(MAX_CONTENT) }).strict().openapi("ChatMessageEdit")) },
      responses: { 200: json(ChatMessage), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, message_id } = c.req.valid("param");
      return c.json(await editMessage(c, room_id, message_id, c.req.valid("json").content_text), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/messages/{message_id}",
      tags: ["messages"],
      summary: "Delete a message: the sender, room admins, the owner or system admins (broadcast as message_deleted)",
      request: { params: MessageParams },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, message_id } = c.req.valid("param");
      await deleteMessage(c, room_id, message_id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/messages/{message_id}/recall",
      tags: ["messages"],
      summary:
        "Recall your own message within RECALL_WINDOW_SECONDS (default 120) of sending it: it is deleted for everyone (message_deleted). Later, 403 recall_window_passed; moderators delete with DELETE instead",
      request: { params: MessageParams },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, message_id } = c.req.valid("param");
      await recallMessage(c, room_id, message_id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/read",
      tags: ["messages"],
      summary: "Move your read position forward (never back); without message_id, up to the last message (mark all read). The room hears a `read` frame",
      request: {
        params: RoomIdParam,
        body: {
          content: { "application/json": { schema: z.object({ message_id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }).strict().openapi("ReadRequest") } },
        },
      },
      responses: {
        200: json(z.object({ room_id: z.number().int(), last_read_message_id: z.number().int(), unread_count: z.number().int() })),
        ...pick(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { room_id } = c.req.valid("param");
      const { message_id } = c.req.valid("json") ?? {};
      return c.json(await markRead(c, room_id, message_id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/messages/{message_id}/read-by",
      tags: ["messages"],
      summary: "Members whose read position has reached this message (rooms up to READ_RECEIPTS_MAX_MEMBERS members)",
      request: { params: MessageParams },
      responses: {
        200: json(z.array(z.object({ user_id: z.number().int(), username: z.string(), display_name: z.string().nullable(), last_read_message_id: z.number().int() }))),
        ...pick(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { room_id, message_id } = c.req.valid("param");
      return c.json(await readReceipts(c, room_id, message_id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/online",
      tags: ["messages"],
      summary: "Users with at least one open socket in the room",
      request: { params: RoomIdParam },
      responses: { 200: json(z.array(z.object({ id: z.number().int(), username: z.string(), display_name: z.string().nullable() }))), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await onlineMembers(c, c.req.valid("param").room_id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/ws",
      tags: ["realtime"],
      summary:
        "The room's WebSocket (also /ws/chat/{room_id}/). Token as Bearer header, ?ticket= (POST /auth/socket-ticket) or ?token=. Closes with 4001 when its token or session ends or expires. Optional ?since=<message id> replays every later message first. Refusals are plain HTTP 400/401/403/404, never an upgrade.",
      request: {
        params: RoomIdParam,
        query: z.object({
          since: cursor.optional(),
          token: z.string().optional().openapi({ description: "An access token (reference clients); browsers should use ticket" }),
          ticket: z.string().optional().openapi({ description: "A single-use ticket from POST /auth/socket-ticket" }),
          batch: boolQuery.optional().openapi({ description: "1: under load, receive frames queued together as one `batch` frame (see docs/realtime.md)" }),
        }),
      },
      responses: { ...upgraded(), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      requireUpgrade(c.req.header("Upgrade"));
      const { since, batch } = c.req.valid("query");
      return openSocket(c, c.req.valid("param").room_id, { since: since ?? null, batch: batch ?? false });
    },
  );
