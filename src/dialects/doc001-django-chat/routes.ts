// Document 001 (the Django chat API, base /api/chat/): the routes only it has. Each translates the
// request into a core operation (rooms/, members/, messages/, notifications/ services) and the
// result into 001's shapes; errors are {"error": "..."}. The room list, creation, join and leave
// are shared with document 002 (../api-chat-rooms.ts); the socket is ./socket.ts.
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError, requireUpgrade } from "../../http/errors";
import { id, intQuery, json, PageQuery, RoomIdParam } from "../../http/schemas";
import { listMembers } from "../../members/service";
import { deleteMessage, markRead, openSocket, readHistory, sendMessage } from "../../messages/service";
import { markOne, myNotifications, myUnreadRooms, unreadRoomRef } from "../../notifications/service";
import { MAX_CONTENT } from "../../room/protocol";
import { readRoom, roomName, roomsByIds } from "../../rooms/service";
import { authed, dialectRouter } from "../envelope";
import { messageAt, messageIn, people } from "../refs";
import { Error001, MessagePage001, RoomDetail001 } from "./models";
import { Member001, member001, message001, Message001, Notification001, notification001, room001, unreadNotification001, user001 } from "./shapes";


export const TAG001 = "doc001: Django chat API (/api/chat/)";

/** 001's error body. */
export const envelope001 = (e: ApiError) => ({ error: e.detail });
const err = (description: string) => ({ content: { "application/json": { schema: Error001 } }, description });
export const errors001 = { 400: err("Invalid request"), 401: err("Not signed in"), 403: err("Not allowed"), 404: err("Not found") } as const;
const ok = (message: string) => json(z.object({ message: z.string().openapi({ example: message }) }));

const MessageIdParam = z.object({ message_id: id("message_id") });
const NotificationIdParam = z.object({ notification_id: id("notification_id") });

const MessagePage = z.object({
  page: intQuery(1, 100_000).default(1).openapi({ description: "1 is the newest page" }),
  page_size: intQuery(1, 100).default(20),
});

const MessageCreate001 = z
  .object({
    content: z.string().max(MAX_CONTENT, `at most ${MAX_CONTENT} characters`),
    message_type: z.enum(["text", "image", "file", "system"]).default("text"),
    file_url: z.string().max(2048).nullish().openapi({ description: "A file URL of this service (media_url of an upload); external URLs are refused" }),
    file_name: z.string().max(255).nullish().openapi({ description: "Ignored: the name is the uploaded file's" }),
    file_size: z.number().int().min(0).nullish().openapi({ description: "Ignored: the size is the uploaded file's" }),
    reply_to: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullish().openapi({ description: "Global id of a message of this room" }),
  })
  .openapi("Doc001MessageCreate");

const roomRef = (env: Env, roomId: number) => roomName({ env }, roomId);

export const doc001Routes = dialectRouter(envelope001)
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{room_id}",
      tags: [TAG001],
      summary: "A room with its members (the first 100; members/ pages through all)",
      middleware: authed,
      request: { params: RoomIdParam },
      responses: { 200: json(RoomDetail001), ...errors001 },
    }),
    async (c) => {
      const roomId = c.req.valid("param").room_id;
      const room = await readRoom(c, roomId);
      const members = await listMembers(c, roomId, { limit: 100, offset: 0 });
      const names = await people(c.env, [room.creator_id]);
      return c.json(
        { ...room001(room, names), members: members.map((m) => user001({ id: m.m.userId, username: m.name ?? "", display_name: m.displayName })) },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{room_id}/members",
      tags: [TAG001],
      summary: "Active members: owner first, then admins, then by join time (limit/offset page, 50 by default)",
      middleware: authed,
      request: { params: RoomIdParam, query: PageQuery },
      responses: { 200: json(z.array(Member001)), ...errors001 },
    }),
    async (c) => {
      const roomId = c.req.valid("param").room_id;
      const rows = await listMembers(c, roomId, c.req.valid("query"));
      const room = await roomRef(c.env, roomId);
      return c.json(
        rows.map((m) => member001(m, room)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{room_id}/messages",
      tags: [TAG001],
      summary: "A page of history, oldest first within the page; page 1 is the newest. total counts every message the room still holds",
      middleware: authed,
      request: { params: RoomIdParam, query: MessagePage },
      responses: {
        200: json(MessagePage001),
        ...errors001,
      },
    }),
    async (c) => {
      const roomId = c.req.valid("param").room_id;
      const { page, page_size } = c.req.valid("query");
      const history = await readHistory(c, roomId, { limit: page_size, offset: (page - 1) * page_size, withThreads: true });
      const [room, names] = await Promise.all([roomRef(c.env, roomId), people(c.env, history.messages.map((m) => m.sender_id))]);
      return c.json(
        {
          messages: history.messages.map((m) => message001(m, room, names)),
          page,
          page_size,
          total: Math.max(0, history.last_id - history.oldest_id + 1),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{room_id}/messages",
      tags: [TAG001],
      summary: "Send a message. image/file messages carry file_url, a file URL of this service (upload first with POST /api/v1/files)",
      middleware: authed,
      request: { params: RoomIdParam, body: { content: { "application/json": { schema: MessageCreate001 } }, required: true } },
      responses: { 201: json(Message001), ...errors001 },
    }),
    async (c) => {
      const roomId = c.req.valid("param").room_id;
      const b = c.req.valid("json");
      if (b.message_type === "system") throw new ApiError(403, "system_message", "System messages are sent by the service only");
      const message = await sendMessage(
        c,
        roomId,
        {
          content_text: b.content,
          message_type: b.message_type,
          media_url: b.file_url ?? null,
          reply_to_id: b.reply_to ? messageIn(roomId, b.reply_to, "reply_to") : null,
        },
        new URL(c.req.url).origin,
      );
      const [room, names] = await Promise.all([roomRef(c.env, roomId), people(c.env, [message.sender_id])]);
      return c.json(message001(message, room, names), 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/messages/{message_id}/read",
      tags: [TAG001],
      summary: "Mark everything up to this message read (read positions only move forward)",
      middleware: authed,
      request: { params: MessageIdParam },
      responses: { 200: ok("消息已标记为已读"), ...errors001 },
    }),
    async (c) => {
      const { roomId, messageId } = messageAt(c.req.valid("param").message_id);
      await markRead(c, roomId, messageId);
      return c.json({ message: "消息已标记为已读" }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/messages/{message_id}/delete",
      tags: [TAG001],
      summary: "Soft-delete a message (its sender, room admins, the owner, system admins): it stays with is_deleted true and content [消息已删除]",
      middleware: authed,
      request: { params: MessageIdParam },
      responses: { 200: ok("消息已删除"), ...errors001 },
    }),
    async (c) => {
      const { roomId, messageId } = messageAt(c.req.valid("param").message_id);
      await deleteMessage(c, roomId, messageId);
      return c.json({ message: "消息已删除" }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/notifications",
      tags: [TAG001],
      summary:
        "Your notifications, newest first: one \"message\" notification per room with unread messages from others (derived from the room and your read position, up to 50), then your 50 newest stored ones (mentions, room invitations, system notices)",
      middleware: authed,
      responses: { 200: json(z.array(Notification001)), ...errors001 },
    }),
    async (c) => {
      const [unread, list] = await Promise.all([myUnreadRooms(c, 50), myNotifications(c, { unread_only: false, limit: 50 })]);
      const roomIds = [...new Set(list.flatMap((n) => (n.room && n.room.kind === "group" ? [n.room.id] : [])))];
      const roomList = [...(await roomsByIds(c, roomIds)), ...unread.map((u) => u.room)];
      const names = await people(c.env, roomList.map((r) => r.creator_id));
      const byId = new Map(roomList.map((r) => [r.id, room001(r, names)]));
      return c.json([...unread.map((u) => unreadNotification001(u, byId)), ...list.map((n) => notification001(n, byId))], 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/notifications/{notification_id}/read",
      tags: [TAG001],
      summary: "Mark one of your notifications read; a \"message\" notification marks its room read up to the message it names",
      middleware: authed,
      request: { params: NotificationIdParam },
      responses: { 200: ok("通知已标记为已读"), ...errors001 },
    }),
    async (c) => {
      const id = c.req.valid("param").notification_id;
      const derived = unreadRoomRef(id);
      if (derived)
        await markRead(c, derived.roomId, derived.messageId).catch((e) => {
          // A room one is not in has no notification of theirs.
          throw e instanceof ApiError && e.status === 403 ? new ApiError(404, "notification_not_found", "Notification not found") : e;
        });
      else await markOne(c, id, true);
      return c.json({ message: "通知已标记为已读" }, 200);
    },
  );

/**
 * 001's socket, mounted at /ws/chat: `/ws/chat/{room_id}/?token=<jwt>` speaks 001's frames (./socket.ts).
 * `since` (a global message id of this room) replays every later message first, as on the core socket.
 */
export const doc001SocketRoutes = dialectRouter(envelope001).openapi(
  createRoute({
    method: "get",
    path: "/{room_id}",
    tags: [TAG001],
    summary:
      "001's room socket (/ws/chat/{room_id}/?token=): connection_established, chat_message, typing, user_join/user_leave, error frames as 001 prints them. Refusals are plain HTTP with {error}",
    middleware: authed,
    request: {
      params: RoomIdParam,
      query: z.object({ token: z.string().optional(), since: z.string().max(20).optional().openapi({ description: "Resume after this (global) message id" }) }),
    },
    responses: { 101: { description: "Switching protocols" }, ...errors001, 426: err("Not a WebSocket upgrade") },
  }),
  async (c) => {
    requireUpgrade(c.req.header("Upgrade"));
    const roomId = c.req.valid("param").room_id;
    const { since } = c.req.valid("query");
    return openSocket(c, roomId, { since: since ? messageIn(roomId, since, "since") : null, batch: false, shape: "001" });
  },
);
