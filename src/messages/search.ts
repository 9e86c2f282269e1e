// Search across your conversations (GET /messages/search, the reference specs' message search):
// the per-room search of the room objects, asked of each of your rooms in parallel and merged
// newest first. Each room keeps its own index, so there is no global one to keep in step; the cost
// is one call per room searched, so a search covers at most MAX_ROOMS rooms: your most recently
// active ones, or the ones you name.
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq } from "drizzle-orm";
import { getDb, inIds } from "../db/client";
import { roomMembers, rooms } from "../db/schema";
import { RULES, throttle } from "../http/throttle";
import { router } from "../http/app-env";
import { ApiError } from "../http/errors";
import { ErrorBody, idList, intQuery, json, pick } from "../http/schemas";
import { roomStub } from "../room/client";
import { ChatMessage, instant, SearchText } from "./common";

const MAX_ROOMS = 50;

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
    const me = c.var.user.id;
    const { room_ids, limit, ...q } = c.req.valid("query");
    // One search asks up to MAX_ROOMS room objects: limited per user.
    await throttle(c.env, RULES.search, `user:${me}`);
    // Active memberships only, and with each one's cleared-history mark (searched above it).
    const mine = await getDb(c.env.DB)
      .select({ id: rooms.id, kind: rooms.kind, name: rooms.name, cleared: roomMembers.clearedMessageId })
      .from(roomMembers)
      .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
      .where(and(eq(roomMembers.userId, me), eq(roomMembers.status, "active"), room_ids ? inIds(rooms.id, room_ids) : undefined))
      .orderBy(desc(rooms.lastActivityAt), desc(rooms.id))
      .limit(MAX_ROOMS + 1)
      .all();
    const searched = mine.slice(0, MAX_ROOMS);
    const found = await Promise.allSettled(searched.map((r) => roomStub(c.env, r.id).search({ ...q, limit, cleared: r.cleared }, me)));
    if (found.some((f) => f.status === "rejected")) {
      console.error("cross-room search: a room failed", found.find((f) => f.status === "rejected"));
      throw new ApiError(503, "unavailable", "Some conversations could not be searched; try again");
    }
    const hits = found.flatMap((f, i) => {
      const r = searched[i];
      const room = { id: r.id, kind: r.kind, name: r.kind === "direct" ? "" : r.name };
      return (f as PromiseFulfilledResult<z.infer<typeof ChatMessage>[]>).value.map((message) => ({ room, message }));
    });
    // Newest first across rooms; a tie in time goes to the higher room, then message, id.
    hits.sort((a, b) => b.message.sent_at.localeCompare(a.message.sent_at) || b.room.id - a.room.id || b.message.id - a.message.id);
    c.header("X-Searched-Rooms", String(searched.length));
    if (mine.length > MAX_ROOMS) c.header("X-More-Rooms", "true");
    return c.json(hits.slice(0, limit), 200);
  },
);
