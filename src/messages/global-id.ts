// Global message ids: the reference documents address a message by its id alone, while the core
// numbers messages per room (the room object's sequence). A global id packs both into one
// integer, so it costs no write and no lookup: global = room_id × 10^9 + message id. The decimal
// split keeps ids readable in logs and support tickets (7000000042 is message 42 of room 7), and
// stays a safe JavaScript integer for rooms below 9 007 199 and up to 999 999 999 messages a room.
import { badRequest } from "../http/errors";

export const ROOM_STRIDE = 1_000_000_000;
export const MAX_GLOBAL_ROOM_ID = Math.floor(Number.MAX_SAFE_INTEGER / ROOM_STRIDE) - 1;

export type MessageRef = { roomId: number; messageId: number };

export function toGlobalMessageId(roomId: number, messageId: number): number {
  return roomId * ROOM_STRIDE + messageId;
}

/** The room and per-room id a global id names, or null when it names none. */
export function parseGlobalMessageId(id: number | string): MessageRef | null {
  const n = typeof id === "string" ? (/^\d{1,16}$/.test(id) ? Number(id) : NaN) : id;
  if (!Number.isSafeInteger(n) || n <= 0) return null;
  const roomId = Math.floor(n / ROOM_STRIDE);
  const messageId = n % ROOM_STRIDE;
  if (roomId < 1 || messageId < 1) return null;
  return { roomId, messageId };
}

/** As parseGlobalMessageId, for a path or body field: 400 invalid_message_id when it names no message. */
export function requireGlobalMessageId(id: number | string): MessageRef {
  const ref = parseGlobalMessageId(id);
  if (!ref) throw badRequest("invalid_message_id", `${id} is not a message id`);
  return ref;
}
