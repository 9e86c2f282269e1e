// How producers reach users' own sockets (hub.ts): after their D1 write, they poke the gateway of
// each recipient who has one open (users.realtime_online, kept by the gateway), one call per
// gateway for all its recipients. A poke only says "look again"; the gateway reads what it has not
// sent, so a failed poke costs latency, not data (the next poke, or the client's reconnect with
// ?since=, brings it).
import { and, eq, sql } from "drizzle-orm";
import { getDb, inIds } from "../db/client";
import { roomMembers, users } from "../db/schema";
import { toGlobalMessageId } from "../messages/global-id";
import type { ChatMessage } from "../room/protocol";

/** Gateway objects holding users' own sockets (USER_GATEWAYS, default 64). */
export const userGateways = (env: Env) => Math.max(1, Math.floor(Number(env.USER_GATEWAYS)) || 64);

/** A user's gateway: hash(user id) mod USER_GATEWAYS (a multiplicative hash, so consecutive ids spread). */
export const gatewayOf = (env: Env, userId: number) => (Math.imul(userId, 0x9e3779b1) >>> 0) % userGateways(env);

const gatewayStub = (env: Env, gateway: number) => env.USER_HUB.get(env.USER_HUB.idFromName(`gateway:${gateway}`));

/** The gateway holding a user's own sockets. */
export const hubStub = (env: Env, userId: number) => gatewayStub(env, gatewayOf(env, userId));

/** User ids by their gateway. */
function byGateway(env: Env, userIds: number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const id of userIds) {
    const g = gatewayOf(env, id);
    const list = out.get(g);
    if (list) list.push(id);
    else out.set(g, [id]);
  }
  return out;
}

/** Pokes the gateways of `userIds` that have a socket open, or of everyone online with "online". */
export async function pokeHubs(env: Env, userIds: number[] | "online"): Promise<void> {
  if (userIds !== "online" && !userIds.length) return;
  const db = getDb(env.DB);
  const online = await db
    .select({ id: users.id })
    .from(users)
    // A literal 1, so the planner can use the partial index users_realtime_online_idx.
    .where(and(sql`${users.realtimeOnline} = 1`, userIds === "online" ? undefined : inIds(users.id, userIds)))
    .all();
  const results = await Promise.allSettled([...byGateway(env, online.map((u) => u.id))].map(([g, ids]) => gatewayStub(env, g).poke(ids)));
  for (const r of results) if (r.status === "rejected") console.warn("notification hub poke failed", r.reason);
}

/** New messages a room hands to its members' own sockets per summary write (at most one a second). */
export const USER_SOCKET_MESSAGES_MAX = 100;

/**
 * A room's new messages, to the own sockets (/realtime/ws) of its active members who have one
 * open: one D1 read, then one call per gateway holding any of them (at most USER_GATEWAYS, however
 * many are online), which fans out to their sockets. Best effort, about a second behind the room
 * (it rides on the summary write): the room's history stays the record, and a client that missed
 * some reads them there (GET /chat-rooms/{id}/messages?after=). Returns the calls made.
 */
export async function deliverToUserSockets(env: Env, roomId: number, messages: ChatMessage[]): Promise<number> {
  if (!messages.length) return 0;
  const online = await getDb(env.DB)
    .select({ id: roomMembers.userId })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.status, "active"), sql`${users.realtimeOnline} = 1`))
    .all();
  if (!online.length) return 0;
  const frames = messages.map((message) =>
    JSON.stringify({ type: "message", conversation_id: roomId, message_id: toGlobalMessageId(roomId, message.id), message }),
  );
  const gateways = byGateway(env, online.map((u) => u.id));
  const results = await Promise.allSettled([...gateways].map(([g, ids]) => gatewayStub(env, g).deliver(ids, frames)));
  for (const r of results) if (r.status === "rejected") console.warn("user socket message delivery failed", r.reason);
  return gateways.size;
}
