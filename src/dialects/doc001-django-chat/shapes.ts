// Document 001 (the Django chat API) as JSON: its users, rooms, members, messages and
// notifications made from the core's responses. Pure functions: no rule lives here.
import type { z } from "@hono/zod-openapi";
import type { memberPage } from "../../members/queries";
import type { NotificationResponse } from "../../notifications/read";
import type { UnreadRoom } from "../../notifications/unread-rooms";
import type { ChatMessage } from "../../room/protocol";
import type { RoomResponse } from "../../rooms/schemas";
import { toGlobalMessageId, type Person } from "../refs";
import { DELETED_TEXT } from "../deleted-text";
import { Member001, Message001, Notification001, Room001, User001 } from "./models";

export { Member001, Message001, Notification001, Room001, User001 };

export type CoreRoom = z.infer<typeof RoomResponse>;
type MemberRow = Awaited<ReturnType<ReturnType<typeof memberPage>["all"]>>[number];

/** 001 has first and last names; the core has one display name: it is the first name, the last is "". */
export const user001 = (p: Person): z.input<typeof User001> => ({ id: p.id, username: p.username, first_name: p.display_name ?? "", last_name: "" });
const someone = (id: number, username: string | null, people: Map<number, Person>) => user001(people.get(id) ?? { id, username: username ?? "", display_name: null });

/**
 * 001's room_type: private rooms are private; otherwise the type a 001 client created it with, and
 * for rooms made elsewhere "group" when joining needs approval, "public" when not.
 */
export const roomType = (r: Pick<CoreRoom, "visibility" | "require_approval" | "room_type">): "public" | "private" | "group" =>
  r.visibility === "private" ? "private" : (r.room_type ?? (r.require_approval ? "group" : "public")) === "group" ? "group" : "public";
/** The core's settings for a 001 room_type: public and group rooms are joined at once (up to max_members), private ones by invitation. */
export const settingsOf = (type: "public" | "private" | "group") =>
  type === "private"
    ? { visibility: "private" as const, require_approval: true, room_type: type }
    : { visibility: "public" as const, require_approval: false, room_type: type };

export const room001 = (r: CoreRoom, people: Map<number, Person>): z.input<typeof Room001> => ({
  id: r.id,
  name: r.name,
  description: r.description ?? "",
  room_type: roomType(r),
  created_by: someone(r.creator_id, r.creator_name, people),
  member_count: r.members_count,
  last_message: r.last_message
    ? { id: toGlobalMessageId(r.id, r.last_message_id), content: r.last_message.content, sender: r.last_message.sender, created_at: r.last_activity_at }
    : null,
  is_active: r.is_active,
  max_members: r.max_members,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

/** `last_read_at`: the core keeps a read position, not a time; this is the member's last read or send. */
export const member001 = (m: MemberRow, room: { id: number; name: string }, now = new Date().toISOString()): z.input<typeof Member001> => ({
  id: m.m.id,
  room,
  user: user001({ id: m.m.userId, username: m.name ?? "", display_name: m.displayName }),
  role: m.m.role,
  joined_at: m.m.joinedAt,
  last_read_at: m.m.lastActiveAt,
  is_muted: m.m.mutedUntil !== null && m.m.mutedUntil > now,
  // Banned users are not active members, so never in this list.
  is_banned: false,
});

/** 001 knows text, image, file and system: voice and video are files, a location is text. */
const type001 = (t: ChatMessage["message_type"]) => (t === "voice" || t === "video" ? "file" : t === "location" ? "text" : t);

export const content001 = (m: ChatMessage) =>
  m.deleted ? DELETED_TEXT : (m.content_text ?? (m.location ? (m.location.name ?? `${m.location.latitude},${m.location.longitude}`) : ""));

export const message001 = (m: ChatMessage, room: { id: number; name: string }, people: Map<number, Person>): z.input<typeof Message001> => ({
  id: toGlobalMessageId(m.room_id, m.id),
  room,
  sender: someone(m.sender_id, m.sender_name, people),
  message_type: type001(m.message_type),
  content: content001(m),
  file_url: m.media_url,
  file_name: m.file_name,
  file_size: m.file_size,
  is_edited: m.edited_at !== null,
  is_deleted: m.deleted,
  reply_to: m.reply_to_id ? toGlobalMessageId(m.room_id, m.reply_to_id) : null,
  created_at: m.sent_at,
  updated_at: m.edited_at ?? m.sent_at,
});

/** The message as 001's socket carries it (chat_message frames). */
export const socketMessage001 = (m: ChatMessage) => ({
  id: toGlobalMessageId(m.room_id, m.id),
  content: content001(m),
  message_type: type001(m.message_type),
  created_at: m.sent_at,
  timestamp: m.sent_at,
  sender: { id: m.sender_id, username: m.sender_name, first_name: "", last_name: "" },
  reply_to: m.reply_to_id ? toGlobalMessageId(m.room_id, m.reply_to_id) : null,
});

export const notification001 = (n: NotificationResponse, rooms: Map<number, ReturnType<typeof room001>>): z.input<typeof Notification001> => ({
  id: n.id,
  // 001 knows nothing of threads: a reply in one is a new message for it.
  notification_type: n.notification_type === "thread_reply" ? "message" : n.notification_type,
  title: n.title,
  content: n.content ?? "",
  room: n.room ? (rooms.get(n.room.id) ?? null) : null,
  message:
    n.room && n.message_id ? { id: toGlobalMessageId(n.room.id, n.message_id), content: n.content ?? "", message_type: "text", created_at: n.created_at } : null,
  is_read: n.is_read,
  created_at: n.created_at,
});

/** A derived "message" notification (notifications/unread-rooms.ts): the room's last unread message from someone else. */
export const unreadNotification001 = (u: UnreadRoom, rooms: Map<number, ReturnType<typeof room001>>): z.input<typeof Notification001> => ({
  id: u.id,
  notification_type: "message",
  title: `新消息来自 ${u.sender}`,
  content: u.preview,
  room: rooms.get(u.room.id) ?? null,
  message: { id: u.id, content: u.preview, message_type: "text", created_at: u.at },
  is_read: false,
  created_at: u.at,
});
