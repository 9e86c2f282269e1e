// Service-wide chat statistics (the reference specs' chat stats): who is online, messages today,
// rooms active today. Read from what the room objects write behind to D1, so ~1 s late.
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { roomMembers, rooms } from "../db/schema";
import { router } from "../http/app-env";
import { json, pick } from "../http/schemas";

const ChatStats = z
  .object({
    online_users_count: z.number().int().openapi({ description: "Users with a socket open in any room" }),
    total_messages_today: z.number().int().openapi({ description: "Messages sent since 00:00 UTC, in every room" }),
    active_rooms: z.number().int().openapi({ description: "Rooms (direct chats included) with a message since 00:00 UTC" }),
    day: z.string().openapi({ description: "The UTC date these counts are for" }),
  })
  .openapi("ChatStats");

export const statsRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["stats"],
    summary: "Chat statistics: users online, messages and active rooms today (UTC)",
    responses: { 200: json(ChatStats), ...pick(401) },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const day = new Date().toISOString().slice(0, 10);
    // Two index reads: the online rows of room_members, today's rows of rooms.
    const [online, today] = await db.batch([
      db.select({ n: sql<number>`count(DISTINCT ${roomMembers.userId})` }).from(roomMembers).where(sql`${roomMembers.online} = 1`),
      db
        .select({ messages: sql<number>`coalesce(sum(${rooms.dayMessages}), 0)`, rooms: sql<number>`count(*)` })
        .from(rooms)
        .where(sql`${rooms.messagesDay} = ${day} AND ${rooms.dayMessages} > 0`),
    ]);
    return c.json({ online_users_count: online[0]?.n ?? 0, total_messages_today: today[0]?.messages ?? 0, active_rooms: today[0]?.rooms ?? 0, day }, 200);
  },
);
