// Presence across rooms, for every door: who of the people you share a room with is online,
// the online state of given users, and the heartbeat of clients without sockets. Online means any
// of: a socket in a room (each member's `online` flag, written behind by the room objects with their
// summary, ~1 s late), a socket of their own (/realtime/ws, users.realtime_online), or a heartbeat
// within HEARTBEAT_WINDOW_MS. Presence is shown only between users who share an active room and
// have no block between them; for anyone else it is `null` (unknown), never a guess.
import { and, asc, eq, sql, type SQLWrapper } from "drizzle-orm";
import { blockBetween, type UserRef } from "../blocks/queries";
import { getDb, inIds } from "../db/client";
import { roomMembers, users } from "../db/schema";
import type { AuthUser } from "../http/app-env";
import { forbidden, notFound } from "../http/errors";
import { memberAccess, type Caller } from "../messages/common";
import { roomStub } from "../room/client";
import { canView } from "../rooms/access";

/** SQL condition: `a` and `b` are both active members of some room. */
const shareRoom = (a: UserRef, b: UserRef) =>
  sql`EXISTS (SELECT 1 FROM ${roomMembers} x JOIN ${roomMembers} y ON y.room_id = x.room_id
    WHERE x.user_id = ${a} AND x.status = 'active' AND y.user_id = ${b} AND y.status = 'active')`;

/** A heartbeat keeps a user online this long; clients send one about every 30 s. */
export const HEARTBEAT_WINDOW_MS = 60_000;
const heartbeatCutoff = () => new Date(Date.now() - HEARTBEAT_WINDOW_MS).toISOString();

/** SQL: the ids of every user online now (a room socket, their own socket, a recent heartbeat), each once. */
export const onlineUserIds = () =>
  sql`SELECT ${roomMembers.userId} FROM ${roomMembers} WHERE ${roomMembers.online} = 1
    UNION SELECT ${users.id} FROM ${users} WHERE ${users.realtimeOnline} = 1 OR ${users.heartbeatAt} > ${heartbeatCutoff()}`;

/** SQL condition: `u` has a socket open in some room (room_members_online_idx). */
const inARoom = (u: SQLWrapper) => sql`EXISTS (SELECT 1 FROM ${roomMembers} o WHERE o.user_id = ${u} AND o.online = 1 AND o.status = 'active')`;
/** SQL condition on the users row: their own socket is open, or they sent a heartbeat lately. */
const onlineElsewhere = (cutoff: string) => sql`(${users.realtimeOnline} = 1 OR ${users.heartbeatAt} > ${cutoff})`;
/**
 * When the user was last seen: their last heartbeat or user-socket connect, or their last read or
 * send in any room (room_members.last_active_at), whichever is later.
 */
const lastSeen = sql<string | null>`max(coalesce(${users.lastSeenAt}, ''), coalesce((SELECT max(s.last_active_at) FROM ${roomMembers} s WHERE s.user_id = ${users.id}), ''))`;

/** Online state of the given users, in their order; unknown ids are left out, invisible ones are null. */
export async function presenceOf(c: Caller, ids: number[]) {
  const me = c.var.user.id;
  const rows = await getDb(c.env.DB)
    .select({
      id: users.id,
      online: sql<number>`(${inARoom(users.id)} OR ${onlineElsewhere(heartbeatCutoff())})`,
      lastSeen,
      visible: sql<number>`${users.id} = ${me} OR (${shareRoom(me, users.id)} AND NOT ${blockBetween(me, users.id)})`,
    })
    .from(users)
    .where(inIds(users.id, ids))
    .all();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r ? [{ user_id: id, online: r.visible ? !!r.online : null, last_seen_at: r.visible ? r.lastSeen || null : null }] : [];
  });
}

/**
 * Users who share an active room with `me` and are online now (no block either way), by username:
 * a socket in a room or of their own, or a heartbeat within HEARTBEAT_WINDOW_MS. Full user rows:
 * callers show only what the viewer may see (toPublicUser; connectionVisible). `includeSelf`: the
 * caller too, when online (document 002's list of who is online has everyone, its reader included).
 */
export async function onlineRoommates(c: Caller, { limit, offset, includeSelf = false }: { limit: number; offset: number; includeSelf?: boolean }) {
  const me = c.var.user.id;
  // Two ways in: roommates with a room socket (from my rooms, room_members_online_idx), and
  // users online elsewhere (their own socket or a heartbeat: the users indexes) who share a room with me.
  const inMyRooms = sql`SELECT t.user_id FROM ${roomMembers} m JOIN ${roomMembers} t ON t.room_id = m.room_id AND t.status = 'active' AND t.online = 1 AND t.user_id <> ${me}
    WHERE m.user_id = ${me} AND m.status = 'active'`;
  const elsewhere = sql`SELECT e.id FROM ${users} e WHERE (e.realtime_online = 1 OR e.heartbeat_at > ${heartbeatCutoff()}) AND e.id <> ${me} AND ${shareRoom(me, sql`e.id`)}`;
  const self = includeSelf
    ? sql` UNION SELECT s.id FROM ${users} s WHERE s.id = ${me} AND (s.realtime_online = 1 OR s.heartbeat_at > ${heartbeatCutoff()} OR ${inARoom(sql`s.id`)})`
    : sql``;
  const rows = await getDb(c.env.DB)
    .select()
    .from(users)
    .where(and(sql`${users.id} IN (${inMyRooms} UNION ${elsewhere}${self})`, sql`NOT ${blockBetween(me, users.id)}`))
    .orderBy(asc(sql`lower(${users.username})`), asc(users.id))
    .limit(limit)
    .offset(offset)
    .all();
  return rows;
}

/** A page of a room's online list: 1 to ONLINE_PAGE_MAX users, ONLINE_PAGE_DEFAULT unless asked. */
export const ONLINE_PAGE_MAX = 1000;
export const ONLINE_PAGE_DEFAULT = 100;

/**
 * Users with a socket open in the room (on the room object or, in a giant room, on its relays, as
 * they last reported), by user id ascending, a page at a time: `cursor` is the last id of the
 * previous page, `next` the one to pass for the page after (null: that was the last). The room
 * hands out ids only; their names come from D1 in one query.
 */
export async function onlineInRoom(c: Caller, roomId: number, { limit = ONLINE_PAGE_DEFAULT, cursor = 0 }: { limit?: number; cursor?: number }) {
  await memberAccess(c, roomId, canView);
  const ids = await roomStub(c.env, roomId).onlineIds(cursor, limit + 1);
  const page = ids.slice(0, limit);
  const rows = page.length
    ? await getDb(c.env.DB).select({ id: users.id, username: users.username, display_name: users.displayName }).from(users).where(inIds(users.id, page)).orderBy(asc(users.id)).all()
    : [];
  return { items: rows, next: ids.length > limit ? String(page[page.length - 1]) : null };
}

/** An address, client and login time are personal data: only for their owner and the service's admins. */
export const connectionVisible = (viewer: AuthUser, userId: number) => viewer.id === userId || viewer.isAdmin;

/** Where and with what a user last logged in: 403 for anyone but themself and system admins, 404 user_not_found. */
export async function readConnection(c: Caller, userId: number) {
  const viewer = c.var.user;
  if (!connectionVisible(viewer, userId)) throw forbidden("Only system admins can see another user's connection", "forbidden");
  const row = await getDb(c.env.DB)
    .select({ ip: users.lastIp, userAgent: users.lastUserAgent, loginAt: users.lastLoginAt, lastSeen })
    .from(users)
    .where(eq(users.id, userId))
    .get();
  if (!row) throw notFound("User", "user_not_found");
  return { user_id: userId, ip: row.ip, user_agent: row.userAgent, login_time: row.loginAt, last_activity: row.lastSeen || null };
}

/** The caller is online for HEARTBEAT_WINDOW_MS without a socket. */
export async function heartbeat(c: Caller) {
  const now = new Date().toISOString();
  await getDb(c.env.DB).update(users).set({ lastSeenAt: now, heartbeatAt: now }).where(eq(users.id, c.var.user.id)).run();
  return { status: "ok" as const, timestamp: now };
}
