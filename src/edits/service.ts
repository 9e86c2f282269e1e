// Edit history, for every door: a message's versions, oldest first, to anyone who may read the
// room. Authorized here from D1; the room object keeps the versions with the message (room/edits.ts)
// and erases them with it.
import { memberAccess, unwrap, type Caller } from "../messages/common";
import { roomStub } from "../room/client";
import type { VersionQuery } from "../room/edits";
import type { MessageVersion } from "../room/protocol";
import { canView } from "../rooms/access";

/** The message's versions (paged by `after`), oldest first, the current text last. */
export async function listVersions(c: Caller, roomId: number, messageId: number, q: VersionQuery): Promise<MessageVersion[]> {
  const access = await memberAccess(c, roomId, canView);
  return unwrap(await roomStub(c.env, roomId).versions(messageId, q, access.cleared)).versions;
}
