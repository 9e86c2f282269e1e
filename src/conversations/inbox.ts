// The inbox read model: every room and direct chat the user is an active member of, newest
// activity first, as ONE SELECT whatever the number of conversations (the other person of a
// direct chat by join, counts as correlated subqueries), paged by an opaque keyset cursor.
import { and, desc, eq, gt, lt, lte, ne, or, sql, type AnyColumn } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db, RowOf } from "../db/client";
import { roomMembers, rooms, users } from "../db/schema";
import { blockBetween } from "../blocks/queries";
import { badRequest } from "../http/errors";
import { activeCount } from "../members/queries";
import { mentionCount } from "../mentions/queries";
import { lastMessageOf } from "../rooms/queries";
import { mainUnread, mainUnreadSql } from "../threads/queries";
import { isMuted } from "./schemas";

const me = alias(roomMembers, "me");
const peerMember = alias(roomMembers, "peer_member");
const peer = alias(users, "peer");

type Cursor = { at: string; id: number };

export const encodeCursor = (c: Cursor) => btoa(JSON.stringify([c.at, c.id])).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export function decodeCursor(raw: string): Cursor {
  try {
    const [at, id] = JSON.parse(atob(raw.replace(/-/g, "+").replace(/_/g, "/")));
    if (typeof at === "string" && at.length <= 40 && Number.isSafeInteger(id) && id > 0) return { at, id };
  } catch {
    // fall through: any undecodable cursor is the client's mistake, not ours
  }
  throw badRequest("invalid_cursor", "cursor is not a value this API returned");
}

/** The user's conversations in the inbox: active memberships, hidden ones only once a message arrived after hiding. */
const listed = (m: Record<"userId" | "status" | "hidden" | "hiddenAtMessageId", AnyColumn>, userId: number) =>
  and(eq(m.userId, userId), eq(m.status, "active"), or(eq(m.hidden, false), gt(rooms.lastMessageId, m.hiddenAtMessageId)));

/** The opposite of `listed` for an active membership: hidden, and no message since (document 003's deleted conversation). */
export const unlisted = and(eq(roomMembers.hidden, true), lte(rooms.lastMessageId, roomMembers.hiddenAtMessageId));

export function selectInbox(db: Db, userId: number, opts: { limit: number; cursor?: Cursor; kind?: "group" | "direct" }) {
  const { cursor } = opts;
  return db
    .select({
      room: rooms,
      role: me.role,
      lastRead: me.lastReadMessageId,
      threadOnlyRead: me.threadOnlyRead,
      threadUnread: me.threadUnreadCount,
      mentions: mentionCount(rooms.id, { userId, lastRead: me.lastReadMessageId, cleared: me.clearedMessageId, joinedAt: me.joinedAt }),
      mutedUntil: me.mutedUntil,
      peer: { id: peer.id, username: peer.username, displayName: peer.displayName, avatarUrl: peer.avatarUrl },
      membersCount: sql<number>`${activeCount(rooms.id)}`,
      // A direct chat that takes no messages: a block either way, or the other account is gone.
      disabled: sql<number>`CASE WHEN ${rooms.kind} = 'direct' THEN (${peer.id} IS NULL OR ${blockBetween(userId, peer.id)}) ELSE 0 END`,
    })
    .from(me)
    .innerJoin(rooms, eq(rooms.id, me.roomId))
    .leftJoin(peerMember, and(eq(rooms.kind, "direct"), eq(peerMember.roomId, rooms.id), ne(peerMember.userId, userId)))
    .leftJoin(peer, eq(peer.id, peerMember.userId))
    .where(
      and(
        listed(me, userId),
        opts.kind ? eq(rooms.kind, opts.kind) : undefined,
        cursor ? or(lt(rooms.lastActivityAt, cursor.at), and(eq(rooms.lastActivityAt, cursor.at), lt(rooms.id, cursor.id))) : undefined,
      ),
    )
    .orderBy(desc(rooms.lastActivityAt), desc(rooms.id))
    .limit(opts.limit);
}

/** The peer's online state from the room's written-behind presence (lags by up to a second). */
function isOnline(json: string | null, userId: number): boolean {
  if (!json) return false;
  try {
    return (JSON.parse(json) as number[]).includes(userId);
  } catch {
    return false;
  }
}

type Row = RowOf<typeof selectInbox>;

export function toInboxItem(r: Row, now: string) {
  const p = r.room.kind === "direct" ? r.peer : null;
  return {
    id: r.room.id,
    kind: r.room.kind,
    // Document 003's ConversationType: "single" for a direct chat.
    type: r.room.kind === "direct" ? ("single" as const) : ("group" as const),
    name: r.room.kind === "direct" ? (p?.displayName ?? p?.username ?? "Deleted user") : r.room.name,
    description: r.room.description,
    avatar_url: r.room.kind === "direct" ? (p?.avatarUrl ?? null) : r.room.avatarUrl,
    peer: p ? { id: p.id, username: p.username, display_name: p.displayName, avatar_url: p.avatarUrl, online: isOnline(r.room.onlineUserIds, p.id) } : null,
    last_message: lastMessageOf(r.room),
    last_message_id: r.room.lastMessageId,
    last_activity_at: r.room.lastActivityAt,
    unread_count: mainUnread(r.room, r),
    thread_unread_count: r.threadUnread,
    mention_count: r.mentions,
    muted: isMuted(r.mutedUntil, now),
    muted_until: r.mutedUntil,
    my_role: r.role,
    members_count: r.membersCount,
    online_members_count: r.room.onlineCount,
    disabled: !!r.disabled,
    cursor: encodeCursor({ at: r.room.lastActivityAt, id: r.room.id }),
  };
}

/**
 * The badge: unread messages over every conversation the user is an active member of, in ONE
 * aggregate SELECT (room_members_user_idx). Muted conversations are counted apart, as apps leave
 * them out of the badge. A hidden conversation counts only once a message arrived after hiding it.
 */
export async function unreadTotals(db: Db, userId: number, now = new Date().toISOString()) {
  const unread = mainUnreadSql(rooms, roomMembers);
  const muted = sql`(${roomMembers.mutedUntil} IS NOT NULL AND ${roomMembers.mutedUntil} > ${now})`;
  const row = await db
    .select({
      messages: sql<number>`coalesce(sum(CASE WHEN ${muted} THEN 0 ELSE ${unread} END), 0)`,
      conversations: sql<number>`coalesce(sum(CASE WHEN NOT ${muted} AND ${unread} > 0 THEN 1 ELSE 0 END), 0)`,
      mutedMessages: sql<number>`coalesce(sum(CASE WHEN ${muted} THEN ${unread} ELSE 0 END), 0)`,
    })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .where(listed(roomMembers, userId))
    .get();
  return { unread_messages: row?.messages ?? 0, unread_conversations: row?.conversations ?? 0, muted_unread_messages: row?.mutedMessages ?? 0 };
}
