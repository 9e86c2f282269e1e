// Conversations: get-or-create a direct chat, create a group chat with its first members, and the
// inbox. Both kinds are rooms, so everything else (messages, members, renaming, transfer,
// dissolving) goes through the room routes.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, jsonBody, pick } from "../http/schemas";
import { DirectCreate, DirectResponse, GroupCreate, GroupResponse, InboxItem, InboxQuery } from "./schemas";
import { createGroupConversation, inboxPage, openDirect, unreadCounts } from "./service";

export const conversationRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/direct",
      tags: ["conversations"],
      summary:
        "Get or create the direct conversation with a user (idempotent, also under concurrent calls). Refused (403) when either side blocked the other, or the user only accepts direct chats from friends",
      request: jsonBody(DirectCreate),
      responses: { 200: json(DirectResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await openDirect(c, c.req.valid("json").user_id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/group",
      tags: ["conversations"],
      summary:
        "Create a group conversation (a private room needing approval to join) with you as owner and the given users as active members, all at once",
      request: jsonBody(GroupCreate),
      responses: { 200: json(GroupResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await createGroupConversation(c, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/unread",
      tags: ["conversations"],
      summary:
        "Your unread totals for a badge: messages and conversations with unread messages, muted conversations counted apart. Lags the rooms by up to a second (written behind)",
      responses: {
        200: json(
          z
            .object({ unread_messages: z.number().int(), unread_conversations: z.number().int(), muted_unread_messages: z.number().int() })
            .openapi("UnreadTotals"),
        ),
        ...pick(401),
      },
    }),
    async (c) => c.json(await unreadCounts(c), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["conversations"],
      summary:
        "Your inbox: rooms and direct chats you are an active member of and have not hidden, newest activity first, with unread counts. Paged by cursor: pass the last item's `cursor` (also sent as X-Next-Cursor when there is more)",
      request: { query: InboxQuery },
      responses: { 200: json(z.array(InboxItem)), ...pick(400, 401) },
    }),
    async (c) => {
      const { items, next } = await inboxPage(c, c.req.valid("query"));
      if (next) c.header("X-Next-Cursor", next);
      return c.json(items, 200);
    },
  );
