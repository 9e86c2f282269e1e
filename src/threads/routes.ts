// Threads (docs/threads.md), mounted at /chat-rooms: the thread list, one thread's pages, the
// caller's read position and following. Replies are sent as messages with a thread_id
// (POST /chat-rooms/{id}/messages or the socket); the rules are in service.ts.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { id, intQuery, json, noContent, pick, RoomIdParam } from "../http/schemas";
import { ChatMessage } from "../messages/common";
import { followThread, listThreads, markThreadRead, readThread, threadCursor } from "./service";

const ThreadParams = RoomIdParam.extend({ root_id: id("root_id") });
const cursor = intQuery(0, Number.MAX_SAFE_INTEGER);

const ThreadItem = z
  .object({
    root: ChatMessage.openapi({ description: "The root message, its `thread` summary included (a tombstone once deleted)" }),
    unread_count: z.number().int().openapi({ description: "Replies after your read position in this thread, not yours, not deleted" }),
    following: z.boolean(),
    last_read_id: z.number().int().openapi({ description: "Your read position in the thread (0: none)" }),
  })
  .openapi("ThreadItem");

const ThreadListResponse = z
  .object({
    threads: z.array(ThreadItem),
    next_cursor: z.number().int().nullable().openapi({ description: "Pass as `cursor` for the next page (null: no more)" }),
  })
  .openapi("ThreadList");

const ThreadPageResponse = z
  .object({
    root: ChatMessage,
    messages: z.array(ChatMessage).openapi({ description: "Replies, oldest first (the root is apart, in `root`)" }),
    last_id: z.number().int().openapi({ description: "The thread's latest reply id (0: none)" }),
  })
  .openapi("ThreadPage");

const ThreadReadResponse = z
  .object({
    root_id: z.number().int(),
    last_read_id: z.number().int(),
    unread_count: z.number().int().openapi({ description: "Unread replies left in this thread" }),
    thread_unread_count: z.number().int().openapi({ description: "Your unread replies over the threads you follow in this room (the room list's total)" }),
  })
  .openapi("ThreadRead");

const FollowResponse = z.object({ root_id: z.number().int(), following: z.boolean() }).openapi("ThreadFollow");

export const threadRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/threads",
      tags: ["threads"],
      summary: "The room's threads, newest activity first: each root with its summary, your unread count in it and whether you follow it. Page with `cursor` (next_cursor).",
      request: {
        params: RoomIdParam,
        query: z.object({
          limit: intQuery(1, 100).default(20),
          cursor: z.string().max(20).optional().openapi({ description: "The previous page's next_cursor" }),
        }),
      },
      responses: { 200: json(ThreadListResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await listThreads(c, c.req.valid("param").room_id, { limit: q.limit, cursor: threadCursor(q.cursor) }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/threads/{root_id}",
      tags: ["threads"],
      summary:
        "A thread: its root apart and a page of its replies, oldest first: the newest `limit` (or those before `before`), or with `after` (alias `since`) the ones after that id, oldest first, for pollers and resumes.",
      request: {
        params: ThreadParams,
        query: z.object({
          limit: intQuery(1, 100).default(50),
          before: cursor.optional().openapi({ description: "Only replies with a smaller id" }),
          after: cursor.optional().openapi({ description: "Only replies with a larger id, oldest first" }),
          since: cursor.optional().openapi({ description: "Alias of after (as the room socket's ?since=)" }),
        }),
      },
      responses: { 200: json(ThreadPageResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, root_id } = c.req.valid("param");
      const { limit, before, after, since } = c.req.valid("query");
      return c.json(await readThread(c, room_id, root_id, { limit, before, after: after ?? since }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/threads/{root_id}/read",
      tags: ["threads"],
      summary: "Set your read position in the thread (never back): to `message_id`, a reply of this thread, or by default its latest reply. Clears its unread count and lets the next reply notify you again.",
      request: {
        params: ThreadParams,
        body: {
          content: { "application/json": { schema: z.object({ message_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional() }).strict().openapi("ThreadReadRequest") } },
        },
      },
      responses: { 200: json(ThreadReadResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, root_id } = c.req.valid("param");
      return c.json(await markThreadRead(c, room_id, root_id, c.req.valid("json")?.message_id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{room_id}/threads/{root_id}/follow",
      tags: ["threads"],
      summary: "Follow the thread: a thread_reply notification for new replies (one until you read it), and its unread replies count in the room list's thread_unread_count. Idempotent.",
      request: { params: ThreadParams },
      responses: { 200: json(FollowResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, root_id } = c.req.valid("param");
      return c.json(await followThread(c, room_id, root_id, true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/threads/{root_id}/follow",
      tags: ["threads"],
      summary: "Unfollow the thread (idempotent); replying in it again follows it again.",
      request: { params: ThreadParams },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, root_id } = c.req.valid("param");
      await followThread(c, room_id, root_id, false);
      return c.body(null, 204);
    },
  );
