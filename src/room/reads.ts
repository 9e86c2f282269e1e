// Read positions. They live in D1 (members/queries.ts), where room lists and the inbox count
// unread for many rooms at once: stored there first, then announced to the room.
import { advanceReadPosition } from "../members/queries";
import type { Fanout } from "./fanout";
import { refuse, type Actor, type Refusal } from "./protocol";
import { ref } from "./render";
import { desc, lte } from "drizzle-orm";
import { messages } from "./schema";
import { roomDeleted, type RoomStorage } from "./storage";

export type ReadPosition = { ok: true; position: number; last: number; unread: number };

/** Moves a member's read position forward (never back). */
export async function markRead(env: Env, s: RoomStorage, fanout: Fanout, user: Actor, upTo?: number): Promise<ReadPosition | Refusal> {
  if (s.destroyed) return roomDeleted();
  const { last } = s.bounds();
  const messageId = upTo ?? last;
  if (messageId > last) return refuse(400, "invalid_message_id", `The room's last message is ${last}`);
  // The thread-only replies up to the position go with it, so the main unread count leaves them out.
  const at = messageId > 0 ? s.db.select({ seq: messages.threadSeq }).from(messages).where(lte(messages.id, messageId)).orderBy(desc(messages.id)).limit(1).get() : undefined;
  const row = await advanceReadPosition(env.DB, s.roomId, user.id, messageId, at?.seq ?? 0, new Date().toISOString());
  if (!row) return refuse(403, "not_a_member", "Only active members have a read position");
  if (row.position === messageId && messageId > 0) fanout.broadcast({ type: "read", user: ref(user), message_id: messageId });
  fanout.flush();
  // Unread in the main timeline: the ids after the position that are not thread-only replies.
  const unread = Math.max(0, last - row.position - ((s.cache.threadSeq ??= Number(s.get("thread_seq") ?? 0)) - row.thread_seq));
  return { ok: true, position: row.position, last, unread };
}
