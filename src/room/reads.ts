// Read positions. They live in D1 (members/queries.ts), where room lists and the inbox count
// unread for many rooms at once: stored there first, then announced to the room.
import { advanceReadPosition } from "../members/queries";
import type { Fanout } from "./fanout";
import { refuse, type Actor, type Refusal } from "./protocol";
import { ref } from "./render";
import { roomDeleted, type RoomStorage } from "./storage";

export type ReadPosition = { ok: true; position: number; last: number };

/** Moves a member's read position forward (never back). */
export async function markRead(env: Env, s: RoomStorage, fanout: Fanout, user: Actor, upTo?: number): Promise<ReadPosition | Refusal> {
  if (s.destroyed) return roomDeleted();
  const { last } = s.bounds();
  const messageId = upTo ?? last;
  if (messageId > last) return refuse(400, "invalid_message_id", `The room's last message is ${last}`);
  const row = await advanceReadPosition(env.DB, s.roomId, user.id, messageId, new Date().toISOString());
  if (!row) return refuse(403, "not_a_member", "Only active members have a read position");
  if (row.position === messageId && messageId > 0) fanout.broadcast({ type: "read", user: ref(user), message_id: messageId });
  fanout.flush();
  return { ok: true, position: row.position, last };
}
