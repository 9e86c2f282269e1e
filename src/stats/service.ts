// Chat statistics, for every door (the reference specs' chat stats and group stats): service-wide,
// who is online, messages today, rooms active today; per room, its members, presence and message
// counts. Read from what the room objects write behind to D1, so ~1 s late.
import { and, eq, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { roomMembers, rooms } from "../db/schema";
import type { Caller } from "../messages/common";
import { onlineUserIds } from "../presence/service";
import { canView, loadRoom, require } from "../rooms/access";

/** Service-wide: users online (presence/service.ts: a socket or a heartbeat), messages and active rooms today (UTC), from the summaries. */
export async function chatStats(c: { env: Env }) {
  const db = getDb(c.env.DB);
  const day = new Date().toISOString().slice(0, 10);
  // Index reads: the online rows of room_members and users, today's rows of rooms.
  const [online, today] = await db.batch([
    db.select({ n: sql<number>`count(*)` }).from(sql`(${onlineUserIds()})`),
    db
      .select({ messages: sql<number>`coalesce(sum(${rooms.dayMessages}), 0)`, rooms: sql<number>`count(*)` })
      .from(rooms)
      .where(sql`${rooms.messagesDay} = ${day} AND ${rooms.dayMessages} > 0`),
  ]);
  return { online_users_count: online[0]?.n ?? 0, total_messages_today: today[0]?.messages ?? 0, active_rooms: today[0]?.rooms ?? 0, day };
}

/** One room's numbers, for whoever may read the room (owner, active members, system admins). */
export async function roomStats(c: Caller, roomId: number) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user, { kinds: ["group", "direct"] });
  require(canView(access), "Only members can see this room's statistics", "not_a_member");
  const { room } = access;
  // One read of the member rows (room_members_room_* indexes); the rest is on the room row.
  const counts = await db
    .select({ members: sql<number>`count(*)`, admins: sql<number>`count(*) FILTER (WHERE ${roomMembers.role} <> 'member')` })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, room.id), eq(roomMembers.status, "active")))
    .get();
  const day = new Date().toISOString().slice(0, 10);
  return {
    room_id: room.id,
    members_count: counts?.members ?? 0,
    admins_count: counts?.admins ?? 0,
    online_members_count: room.onlineCount,
    messages_total: room.lastMessageId,
    messages_today: room.messagesDay === day ? room.dayMessages : 0,
    last_activity_at: room.lastActivityAt,
    created_at: room.createdAt,
    day,
  };
}
