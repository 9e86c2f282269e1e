// Pins, for every door: the room's owner and admins (either person in a direct chat) pin and unpin
// messages; anyone who may read the room lists them. Authorized here from D1; the room object keeps
// the list with its messages (at most MAX_PINS), and broadcasts each change.
import { getDb } from "../db/client";
import { actorOf, assertNotBlocked, memberAccess, unwrap, type Caller } from "../messages/common";
import { roomStub } from "../room/client";
import type { Pin } from "../room/protocol";
import { canModerate, canPost, canView, require, requireActive, type RoomAccess } from "../rooms/access";

/** A group's moderators pin (system admins included); a direct chat has none, so both people may. */
export const canPin = (a: RoomAccess) => (a.room.kind === "direct" ? canPost(a) : canModerate(a));

async function pinAccess(c: Caller, roomId: number) {
  const access = await memberAccess(c, roomId, canView);
  require(canPin(access), "Only the room's owner and admins can pin messages");
  requireActive(access);
  return access;
}

/** Pins a message (idempotent: pinning it again changes nothing); the pin. */
export async function pinMessage(c: Caller, roomId: number, messageId: number): Promise<Pin> {
  const access = await pinAccess(c, roomId);
  await assertNotBlocked(getDb(c.env.DB), access);
  return unwrap(await roomStub(c.env, roomId).pin(actorOf(c), messageId, true, access.cleared, access.room.archiveVersion)).pin!;
}

/** Unpins a message (idempotent: a message that is not pinned stays so). */
export async function unpinMessage(c: Caller, roomId: number, messageId: number): Promise<void> {
  const access = await pinAccess(c, roomId);
  unwrap(await roomStub(c.env, roomId).pin(actorOf(c), messageId, false, access.cleared, access.room.archiveVersion));
}

/** The room's pins, newest pin first, above the caller's cleared-history mark. */
export async function listPins(c: Caller, roomId: number): Promise<Pin[]> {
  const access = await memberAccess(c, roomId, canView);
  return roomStub(c.env, roomId).pinned(c.var.user.id, access.cleared);
}
