// The worker entry: rewrites the reference spec's path spellings onto the canonical routes and
// hands everything to the Hono app. Also exports the Durable Object classes (rooms, broadcasts,
// user gateways, relays).
import { API, buildApp } from "./app";

import { resumeBroadcasts } from "./broadcasts/service";
import { runCleanup } from "./ops/cleanup";
// Registers document 001's wire shape, for the room objects this module also exports.
import "./dialects/doc001-django-chat/socket";

export { Broadcaster } from "./broadcasts/sender";
export { Room } from "./room/room";
export { Relay } from "./room/relay/relay";
export { UserHub } from "./realtime/hub";

const app = buildApp();

/**
 * /api/v1/chatrooms/... is the same route as /api/v1/chat-rooms/...; /realtime/ws is the user's own
 * socket. (/ws/chat/{id}/ is document 001's socket, served by its dialect.)
 */
export function canonicalPath(path: string): string {
  if (path === `${API}/chatrooms` || path.startsWith(`${API}/chatrooms/`)) return `${API}/chat-rooms${path.slice(API.length + 10)}`;
  if (path === "/realtime/ws" || path === "/realtime/ws/") return `${API}/realtime/ws`;
  return path;
}

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url);
    const path = canonicalPath(url.pathname);
    if (path !== url.pathname) {
      url.pathname = path;
      request = new Request(url, request);
    }
    return app.fetch(request, env, ctx);
  },
  /** The cron trigger (wrangler.jsonc): restarts admin broadcasts whose delivery never started; housekeeping (src/ops/cleanup.ts). */
  async scheduled(_controller, env) {
    // Independent: one failing does not stop the other, and the run still reports the failure.
    const failed = (await Promise.allSettled([resumeBroadcasts(env), runCleanup(env)])).find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  },
} satisfies ExportedHandler<Env>;
