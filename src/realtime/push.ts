// How producers of notifications reach the per-user sockets: after their D1 write, they poke the
// hub of each recipient who has one open (users.realtime_online, kept by the hub). A poke only
// says "look again"; the hub reads what it has not sent, so a failed poke costs latency, not data
// (the next poke, or the client's reconnect with ?since=, brings it).
import { and, eq, sql } from "drizzle-orm";
import { getDb, inIds } from "../db/client";
import { roomMembers, users } from "../db/schema";
import { toGlobalMessageId } from "../messages/global-id";
import type { ChatMessage } from "../room/protocol";

export const hubStub = (env: Env, userId: number) => env.USER_HUB.get(env.USER_HUB.idFromName(`user:${userId}`));

/** Pokes the hubs of `userIds` that have a socket open, or of everyone online with "online". */
export async function pokeHubs(env: Env, userIds: number[] | "online"): Promise<void> {
  if (userIds !== "online" && !userIds.length) return;
  const db = getDb(env.DB);
  const online = await db
    .select({ id: users.id })
    .from(users)
    // A literal 1, so the planner can use the partial index users_realtime_online_idx.
    .where(and(sql`${users.realtimeOnline} = 1`, userIds === "online" ? undefined : inIds(users.id, userIds)))
    .all();
  const results = await Promise.allSettled(online.map((u) => hubStub(env, u.id).poke(u.id)));
  for (const r of results) if (r.status === "rejected") console.warn("notification hub poke failed", r.reason);
}

/** New messages a room hands to its members' own sockets per summary write (at most one a second). */
export const USER_SOCKET_MESSAGES_MAX = 100;

/**
 * A room's new messages, to the own sockets (/realtime/ws) of its active members who have one
 * open: one D1 read, then one call per such member. Best effort, about a second behind the room
 * (it rides on the summary write): the room's history stays the record, and a client that missed
 * some reads them there (GET /chat-rooms/{id}/messages?after=).
 */
export async function deliverToUserSockets(env: Env, roomId: number, messages: ChatMessage[]): Promise<void> {
  if (!messages.length) return;
  const online = await getDb(env.DB)
    .select({ id: roomMembers.userId })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.status, "active"), sql`${users.realtimeOnline} = 1`))
    .all();
  if (!online.length) return;
  const frames = messages.map((message) =>
    JSON.stringify({ type: "message", conversation_id: roomId, message_id: toGlobalMessageId(roomId, message.id), message }),
  );
  const results = await Promise.allSettled(online.map((u) => hubStub(env, u.id).deliver(frames)));
  for (const r of results) if (r.status === "rejected") console.warn("user socket message delivery failed", r.reason);
}
