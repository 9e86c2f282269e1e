// Conversations, for every door: get-or-create a direct chat, create a group chat with its first
// members, the inbox and its unread totals, and the caller's own settings of a conversation (mute,
// hide, clear history). Both kinds are rooms, so everything else goes through the room services.
import { and, eq, sql } from "drizzle-orm";
import { blockBetween } from "../blocks/queries";
import { batchRun, getDb, inIds } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { roomMembers, rooms, users } from "../db/schema";
import { cannotBringIn, friendsBetween } from "../friends/queries";
import { badRequest, conflict, forbidden, usersNotFound } from "../http/errors";
import type { Caller } from "../messages/common";
import { roomStub } from "../room/client";
import { loadRoom, require } from "../rooms/access";
import { getRoomResponse } from "../rooms/queries";
import { decodeCursor, selectInbox, toInboxItem, unlisted, unreadTotals } from "./inbox";
import { directKey, groupMembers } from "./queries";
import { toSettingsResponse, type GroupCreate, type InboxQuery, type SettingsUpdate } from "./schemas";
import type { z } from "@hono/zod-openapi";

/** One refusal for "blocked" and "only accepts friends", so neither reveals itself. */
const cannotReach = () => forbidden("You cannot start a conversation with this user", "cannot_message_user");

/**
 * Gets or creates the direct conversation with a user (idempotent, also under concurrent calls).
 * Refused (403) when either side blocked the other, or the user only accepts direct chats from friends.
 */
export async function openDirect(c: Caller, user_id: number) {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  if (user_id === me.id) throw badRequest("cannot_target_self", "You cannot open a direct conversation with yourself");
  const key = directKey(me.id, user_id);
  const target = await db
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      avatarUrl: users.avatarUrl,
      dmPolicy: users.dmPolicy,
      blocked: sql<number>`${blockBetween(me.id, users.id)}`,
      friend: sql<number>`${friendsBetween(users.id, me.id)}`,
      existing: sql<number | null>`(SELECT ${rooms.id} FROM ${rooms} WHERE ${rooms.directKey} = ${key})`,
    })
    .from(users)
    .where(eq(users.id, user_id))
    .get();
  if (!target) throw usersNotFound([user_id]);
  if (target.blocked) throw cannotReach();
  // The policy decides who may start a chat; an existing one survives a later unfriending.
  if (target.existing === null && target.dmPolicy === "friends" && !target.friend) throw cannotReach();

  const [createdRoom, , found] = await db.batch([
    // The unique direct_key settles concurrent creators: exactly one insert wins.
    batchRun(db, sql`INSERT INTO ${rooms} (kind, name, direct_key, visibility, require_approval, creator_id)
      SELECT 'direct', ${`direct:${key}`}, ${key}, 'private', 0, ${me.id}
      WHERE NOT ${blockBetween(me.id, user_id)}
      ON CONFLICT (direct_key) DO NOTHING`),
    // Opening the chat un-hides it for the caller only.
    batchRun(db, sql`INSERT INTO ${roomMembers} (room_id, user_id, role, status)
      SELECT r.id, j.value, 'member', 'active' FROM ${rooms} r, json_each(${JSON.stringify([me.id, user_id])}) j
      WHERE r.direct_key = ${key}
      ON CONFLICT (room_id, user_id) DO UPDATE SET hidden = 0 WHERE ${roomMembers}.user_id = ${me.id}`),
    db.select({ id: rooms.id }).from(rooms).where(eq(rooms.directKey, key)),
  ]);
  const roomId = found[0]?.id;
  if (!roomId) throw cannotReach(); // a block landed between the check and the write
  const room = (await getRoomResponse(db, roomId, me.id))!;
  return {
    ...room,
    peer: { id: target.id, username: target.username, display_name: target.displayName, avatar_url: target.avatarUrl, online: null },
    created: (createdRoom as unknown as D1Result).meta.changes > 0,
  };
}

/** Creates a group conversation (a private room needing approval) with the caller as owner and the given users as members. */
export async function createGroupConversation(c: Caller, b: z.output<typeof GroupCreate>) {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  if (new Set(b.member_ids).size !== b.member_ids.length) throw badRequest("duplicate_member_ids", "member_ids contains duplicates");
  const ids = b.member_ids.filter((id) => id !== me.id);
  if (ids.length) {
    const found = await db
      .select({ id: users.id, blocked: sql<number>`${cannotBringIn(users.id, me.id)}` })
      .from(users)
      .where(inIds(users.id, ids))
      .all();
    const known = new Set(found.map((u) => u.id));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length) throw usersNotFound(missing);
    if (found.some((u) => u.blocked)) throw forbidden("Some of these users cannot be added to a conversation by you", "cannot_add_user");
  }
  let roomId: number;
  try {
    const [[room]] = await db.batch([
      db
        .insert(rooms)
        .values({ kind: "group", name: b.name, description: b.description ?? null, visibility: "private", requireApproval: true, creatorId: me.id })
        .returning({ id: rooms.id }),
      // Owner and members in one statement, keyed by the (unique) name of the room just inserted.
      batchRun(db, sql`INSERT INTO ${roomMembers} (room_id, user_id, role, status)
        SELECT r.id, j.value, CASE WHEN j.value = ${me.id} THEN 'owner' ELSE 'member' END, 'active'
        FROM ${rooms} r, json_each(${JSON.stringify([me.id, ...ids])}) j
        WHERE lower(r.name) = lower(${b.name}) AND r.kind = 'group'`),
    ]);
    roomId = room.id;
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict("room_name_taken", "A room with this name already exists");
    throw e;
  }
  const [room, members] = await Promise.all([getRoomResponse(db, roomId, me.id), groupMembers(db, roomId)]);
  return { ...room!, type: "group" as const, members };
}

/** The caller's unread totals for a badge (muted conversations counted apart). */
export const unreadCounts = (c: Caller) => unreadTotals(getDb(c.env.DB), c.var.user.id);

/** A page of the caller's inbox, newest activity first; `next` is the cursor of the next page, if any. */
export async function inboxPage(c: Caller, q: z.output<typeof InboxQuery>) {
  const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
  // One extra row tells whether there is a next page.
  const rows = await selectInbox(getDb(c.env.DB), c.var.user.id, { limit: q.limit + 1, cursor, kind: q.kind }).all();
  const now = new Date().toISOString();
  const items = rows.slice(0, q.limit).map((r) => toInboxItem(r, now));
  return { items, next: rows.length > q.limit ? items[items.length - 1].cursor : null };
}

const cols = { roomId: roomMembers.roomId, mutedUntil: roomMembers.mutedUntil, hidden: roomMembers.hidden, cleared: roomMembers.clearedMessageId };

const notMember = "Only members have conversation settings and history of their own";

/** The caller's own active membership of a room or direct chat, or 403/404. */
async function ownMembership(c: Caller, roomId: number) {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  const access = await loadRoom(db, roomId, me, { kinds: ["group", "direct"] });
  require(access.role !== null, notMember, "not_a_member");
  return { db, me, access };
}

/** The caller's own settings for a room or direct chat (active members). */
export async function readSettings(c: Caller, roomId: number) {
  const { db, me, access } = await ownMembership(c, roomId);
  const row = await db
    .select(cols)
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, access.room.id), eq(roomMembers.userId, me.id)))
    .get();
  return toSettingsResponse(row!);
}

/**
 * Where a room was when hidden: its last message id, the room object's own (`last`) when D1's
 * summary (up to a second behind) has not caught up, so that a message that arrived just before
 * hiding does not bring the room back when its summary lands. Any later message does.
 */
const hiddenAt = (roomId: number, last: number) => sql<number>`max((SELECT ${rooms.lastMessageId} FROM ${rooms} WHERE ${rooms.id} = ${roomId}), ${last})`;

/** Mutes (until a time; null unmutes) or hides the caller's own view of a room or direct chat. */
export async function updateSettings(c: Caller, roomId: number, b: z.output<typeof SettingsUpdate>) {
  const { db, me, access } = await ownMembership(c, roomId);
  const last = b.hidden ? await roomStub(c.env, access.room.id).lastMessageId() : 0;
  const patch = {
    // Normalized to UTC with Z so that string comparison with other timestamps is time order.
    ...(b.muted_until !== undefined && { mutedUntil: b.muted_until === null ? null : new Date(b.muted_until).toISOString() }),
    ...(b.hidden !== undefined && { hidden: b.hidden, hiddenAtMessageId: b.hidden ? hiddenAt(access.room.id, last) : 0 }),
  };
  const where = and(eq(roomMembers.roomId, access.room.id), eq(roomMembers.userId, me.id), eq(roomMembers.status, "active"));
  const row = Object.keys(patch).length
    ? await db.update(roomMembers).set(patch).where(where).returning(cols).get()
    : await db.select(cols).from(roomMembers).where(where).get();
  return toSettingsResponse(row!);
}

/**
 * Whether the caller hid this conversation and no message arrived since, so that it is out of
 * their inbox (the inbox's own test, conversations/inbox.ts): what document 003 calls deleted.
 */
export async function isHiddenForMe(c: Caller, roomId: number): Promise<boolean> {
  const row = await getDb(c.env.DB)
    .select({ id: roomMembers.id })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, c.var.user.id), eq(roomMembers.status, "active"), unlisted))
    .get();
  return row !== undefined;
}

/**
 * Clears the room's history so far for the caller alone: it leaves their history and counts as
 * read. With `hide`, in the same write, it is hidden too: deleted for the caller alone, as
 * document 003 deletes a single conversation.
 */
export async function clearHistory(c: Caller, roomId: number, opts: { hide?: boolean } = {}) {
  const { db, me, access } = await ownMembership(c, roomId);
  // The room's own last id, not D1's summary (up to a second behind): "so far" includes the
  // message that just arrived.
  const last = await roomStub(c.env, access.room.id).lastMessageId();
  const row = await db
    .update(roomMembers)
    .set({
      clearedMessageId: sql`max(${roomMembers.clearedMessageId}, ${last})`,
      // The room row's count may lag the room by a second (docs/threads.md).
      threadOnlyRead: sql`CASE WHEN ${last} > ${roomMembers.lastReadMessageId} THEN (SELECT ${rooms.threadOnlyCount} FROM ${rooms} WHERE ${rooms.id} = ${access.room.id}) ELSE ${roomMembers.threadOnlyRead} END`,
      lastReadMessageId: sql`max(${roomMembers.lastReadMessageId}, ${last})`,
      ...(opts.hide && { hidden: true, hiddenAtMessageId: hiddenAt(access.room.id, last) }),
    })
    .where(and(eq(roomMembers.roomId, access.room.id), eq(roomMembers.userId, me.id), eq(roomMembers.status, "active")))
    .returning(cols)
    .get();
  require(!!row, notMember, "not_a_member");
  return toSettingsResponse(row!);
}
