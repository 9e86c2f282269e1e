// Document 004's rule that private chats and groups are made between friends: which of some users
// exist and are the caller's friends (one query), and the check before sending into a private chat.
import type { Context } from "hono";
import { friendshipWith } from "../../friends/service";
import type { AppEnv } from "../../http/app-env";
import { roomKind } from "../../rooms/service";
import { fail } from "./envelope";

/** User id -> "is the caller's friend", for those of `ids` that exist (a missing id is no account). */
export const friendship = (c: Context<AppEnv>, ids: number[]): Promise<Map<number, boolean>> => friendshipWith(c, ids);

/**
 * The document's rule: private chats are between friends. Checked for the other side of a direct
 * chat before anything is sent into it: 31 when their account is gone ("成员未找到指用户不存在"),
 * 26 when they are no longer friends; group conversations have no such rule.
 */
export async function requireFriendInDirect(c: Context<AppEnv>, roomId: number) {
  const room = await roomKind(c, roomId);
  if (room?.kind !== "direct" || !room.key) return;
  const me = c.var.user.id;
  const [a, b] = room.key.split(":").map(Number);
  if (a !== me && b !== me) return; // not yours: the core answers 33
  const other = a === me ? b : a;
  const friend = (await friendship(c, [other])).get(other);
  if (friend === undefined) throw fail(31);
  if (!friend) throw fail(26);
}
