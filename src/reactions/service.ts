// Reactions, for every door: members put emoji on messages and take them back, and anyone who may
// read the room sees who reacted. Authorized here from D1; the room object keeps the reactions with
// its messages (one writer per room), tallies them and broadcasts each change.
import { getDb } from "../db/client";
import { actorOf, assertNotBlocked, memberAccess, unwrap, type Caller } from "../messages/common";
import { roomStub } from "../room/client";
import type { ChatMessage } from "../room/protocol";
import type { ReactionQuery } from "../room/reactions";
import { canPost, canView, requireActive } from "../rooms/access";

/** Reacts to a message as the caller (idempotent); the message with its tallies. */
export async function addReaction(c: Caller, roomId: number, messageId: number, emoji: string): Promise<ChatMessage> {
  const access = await memberAccess(c, roomId, canPost);
  requireActive(access);
  await assertNotBlocked(getDb(c.env.DB), access);
  return unwrap(await roomStub(c.env, roomId).react(actorOf(c), messageId, emoji, true, access.cleared, access.room.archiveVersion)).message;
}

/** Takes the caller's reaction back (idempotent); the message with its tallies. */
export async function removeReaction(c: Caller, roomId: number, messageId: number, emoji: string): Promise<ChatMessage> {
  const access = await memberAccess(c, roomId, canPost);
  requireActive(access);
  return unwrap(await roomStub(c.env, roomId).react(actorOf(c), messageId, emoji, false, access.cleared, access.room.archiveVersion)).message;
}

/** Who reacted to a message, in the order they did (optionally one emoji), paged by `after`. */
export async function listReactors(c: Caller, roomId: number, messageId: number, q: ReactionQuery) {
  const access = await memberAccess(c, roomId, canView);
  return unwrap(await roomStub(c.env, roomId).reactors(messageId, q, access.cleared)).reactions;
}
