// How producers of notifications reach the per-user sockets: after their D1 write, they poke the
// hub of each recipient who has one open (users.realtime_online, kept by the hub). A poke only
// says "look again"; the hub reads what it has not sent, so a failed poke costs latency, not data
// (the next poke, or the client's reconnect with ?since=, brings it).
import { and, sql } from "drizzle-orm";
import { getDb, inIds } from "../db/client";
import { users } from "../db/schema";

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
