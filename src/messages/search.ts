// Search across your conversations (GET /messages/search, the reference specs' message search):
// the per-room search of the room objects, asked of each of your rooms in parallel and merged
// newest first. Each room keeps its own index, so there is no global one to keep in step; the cost
// is one call per room searched, so a search covers at most MAX_ROOMS rooms: your most recently
// active ones, or the ones you name.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { ErrorBody, idList, intQuery, json, pick } from "../http/schemas";
import { ChatMessage, instant, SearchText } from "./common";
import { MAX_SEARCH_ROOMS as MAX_ROOMS, searchMyRooms } from "./service";

const Query = z
  .object({
    q: SearchText,
    room_ids: idList(MAX_ROOMS, "room ids").optional().openapi({ description: `Only these conversations (at most ${MAX_ROOMS}); default: your ${MAX_ROOMS} most recently active` }),
    sender_id: intQuery(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "Only this sender's messages" }),
    since: instant.optional().openapi({ description: "Sent at or after" }),
    until: instant.optional().openapi({ description: "Sent before (the next page: the sent_at of the last result)" }),
    limit: intQuery(1, 50).default(20),
  })
  .refine((q) => !q.since || !q.until || q.since < q.until, { message: "since must be before until", path: ["until"] });

const Hit = z
  .object({
    room: z.object({ id: z.number().int(), kind: z.enum(["group", "direct"]), name: z.string().openapi({ description: "Empty for a direct chat" }) }),
    message: ChatMessage,
  })
  .openapi("SearchHit");

export const searchRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/search",
    tags: ["messages"],
    summary: `Search messages in all your conversations (your ${MAX_ROOMS} most recently active, or room_ids), newest first, with the conversation of each. X-Searched-Rooms says how many were searched, X-More-Rooms: true that you have more than that`,
    request: { query: Query },
    responses: { 200: json(z.array(Hit)), ...pick(400, 401, 429), 503: json(ErrorBody, "A conversation could not be searched") },
  }),
  async (c) => {
    const { room_ids, ...q } = c.req.valid("query");
    const { hits, searched, more } = await searchMyRooms(c, room_ids, q);
    c.header("X-Searched-Rooms", String(searched));
    if (more) c.header("X-More-Rooms", "true");
    return c.json(hits, 200);
  },
);
