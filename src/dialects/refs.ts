// Translations every dialect needs: global message ids (messages/global-id.ts) checked against the
// room they are used in, and the names of the users a page mentions, in one query.
import { parseGlobalMessageId, toGlobalMessageId } from "../messages/global-id";
import { ApiError } from "../http/errors";
import { peopleByIds, type Person } from "../users/service";

export { toGlobalMessageId };

/** A global id used inside `roomId` (a reply, a history bound): its per-room id, or 400 naming the field. */
export function messageIn(roomId: number, global: number | string, field: string): number {
  const ref = parseGlobalMessageId(global);
  if (!ref || ref.roomId !== roomId) throw new ApiError(400, "invalid_message_id", `${field} is not a message of this room`);
  return ref.messageId;
}

/** A global id in a path: where it points, or 404 (no such message can exist). */
export function messageAt(global: number | string): { roomId: number; messageId: number } {
  const ref = parseGlobalMessageId(global);
  if (!ref) throw new ApiError(404, "message_not_found", "Message not found");
  return ref;
}

export type { Person };

/** The users behind `ids` (display names for senders and creators): one query whatever the page size. */
export const people = (env: Env, ids: Iterable<number>): Promise<Map<number, Person>> => peopleByIds({ env }, ids);
