// The user's own socket, worker side: the caller is admitted to their hub object (hub.ts) with what
// it needs to close the socket when the token or session ends; the hub then pushes their
// notifications. The caller checked it is an upgrade.
import type { Caller } from "../messages/common";
import { HUB_ADMISSION_HEADER, type HubAdmission } from "./hub";
import { hubStub } from "./push";

/** Hands the caller's WebSocket upgrade to their hub; `since` replays later notifications first. */
export function openUserSocket(c: Caller, since: number | null): Promise<Response> {
  const user = c.var.user;
  const admission: HubAdmission = { user: { id: user.id, username: user.username }, token_version: user.tokenVersion, session_id: user.sessionId, expires_at: user.expiresAt, since };
  // A fresh request: only the worker's own headers reach the object, never the client's.
  return hubStub(c.env, user.id).fetch("https://hub.internal/ws", {
    headers: { Upgrade: "websocket", [HUB_ADMISSION_HEADER]: JSON.stringify(admission) },
  });
}
