// Chat statistics (the reference specs' chat stats and group stats): service-wide, who is online,
// messages today, rooms active today; per room, its members, presence and message counts. Read
// from what the room objects write behind to D1, so ~1 s late.
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { getDb, type Db } from "../db/client";
import { roomMembers, rooms } from "../db/schema";
import { router } from "../http/app-env";
import { json, pick, RoomIdParam } from "../http/schemas";
import { canView, loadRoom, require } from "../rooms/access";

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
  async (c) => c.json(await chatStats(getDb(c.env.DB)), 200),
);

/** Service-wide: users with a socket in a room, messages and active rooms today (UTC), from the summaries. */
export async function chatStats(db: Db) {
  const day = new Date().toISOString().slice(0, 10);
  // Two index reads: the online rows of room_members, today's rows of rooms.
  const [online, today] = await db.batch([
    db.select({ n: sql<number>`count(DISTINCT ${roomMembers.userId})` }).from(roomMembers).where(sql`${roomMembers.online} = 1`),
    db
      .select({ messages: sql<number>`coalesce(sum(${rooms.dayMessages}), 0)`, rooms: sql<number>`count(*)` })
      .from(rooms)
      .where(sql`${rooms.messagesDay} = ${day} AND ${rooms.dayMessages} > 0`),
  ]);
  return { online_users_count: online[0]?.n ?? 0, total_messages_today: today[0]?.messages ?? 0, active_rooms: today[0]?.rooms ?? 0, day };
}

const RoomStats = z
  .object({
    room_id: z.number().int(),
    members_count: z.number().int(),
    admins_count: z.number().int().openapi({ description: "Room admins and the owner" }),
    online_members_count: z.number().int().openapi({ description: "Members with a socket open in this room" }),
    messages_total: z.number().int().openapi({ description: "Messages ever sent (ids are a dense sequence; pruned and deleted ones included)" }),
    messages_today: z.number().int().openapi({ description: "Messages sent since 00:00 UTC" }),
    last_activity_at: z.string(),
    created_at: z.string(),
    day: z.string(),
  })
  .openapi("RoomStats");

/** Under /chat-rooms: one room's numbers, for whoever may read the room. */
export const roomStatsRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/{room_id}/stats",
    tags: ["stats"],
    summary: "One room's statistics (owner, active members, system admins): members, admins, online, messages in all and today",
    request: { params: RoomIdParam },
    responses: { 200: json(RoomStats), ...pick(400, 401, 403, 404) },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const access = await loadRoom(db, c.req.valid("param").room_id, c.var.user, { kinds: ["group", "direct"] });
    require(canView(access), "Only members can see this room's statistics", "not_a_member");
    const { room } = access;
    // One read of the member rows (room_members_room_* indexes); the rest is on the room row.
    const counts = await db
      .select({ members: sql<number>`count(*)`, admins: sql<number>`count(*) FILTER (WHERE ${roomMembers.role} <> 'member')` })
      .from(roomMembers)
      .where(and(eq(roomMembers.roomId, room.id), eq(roomMembers.status, "active")))
      .get();
    const day = new Date().toISOString().slice(0, 10);
    return c.json(
      {
        room_id: room.id,
        members_count: counts?.members ?? 0,
        admins_count: counts?.admins ?? 0,
        online_members_count: room.onlineCount,
        messages_total: room.lastMessageId,
        messages_today: room.messagesDay === day ? room.dayMessages : 0,
        last_activity_at: room.lastActivityAt,
        created_at: room.createdAt,
        day,
      },
      200,
    );
  },
);

