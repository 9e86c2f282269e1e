// Why a room closed for good, in words for people: the kind from the room's closing frame, else the
// close code (docs/realtime.md, "Closing").
import type { Closed } from "./realtime";

/** What the room said when it closed for good, for people (the kind from its closing frame, else the close code). */
const CLOSED_SAYS: Record<string, string> = {
  removed: "You were removed from this room.",
  left: "You left this room.",
  banned: "You were banned from this room.",
  account_deleted: "Your account was deleted.",
  room_deleted: "This room was deleted.",
  session_ended: "You were signed out.",
};
export const closedMessage = (c: Closed) =>
  (c.kind && CLOSED_SAYS[c.kind]) || (c.code === 4004 ? CLOSED_SAYS.room_deleted : c.code === 4001 ? CLOSED_SAYS.session_ended : "You are no longer a member of this room.");
