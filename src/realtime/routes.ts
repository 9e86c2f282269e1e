// The user's own socket (mounted at /realtime; also /realtime/ws at the root): authorized here,
// served by the user's gateway object (hub.ts), which pushes their notifications (service.ts).
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { requireUpgrade } from "../http/errors";
import { intQuery, pick, upgraded } from "../http/schemas";
import { openUserSocket } from "./service";

export const realtimeRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/ws",
    tags: ["realtime"],
    summary:
      "Your own WebSocket (also /realtime/ws): every notification (mentions, room invites, system notices) the moment it exists, on every tab. Token as Bearer header, ?ticket= (POST /auth/socket-ticket) or ?token=; closes with 4001 when its token or session ends or expires; ?since=<notification id> replays what came after it first. See docs/realtime.md",
    request: { query: z.object({ since: intQuery(0, Number.MAX_SAFE_INTEGER).optional(), token: z.string().optional(), ticket: z.string().optional() }) },
    responses: { ...upgraded(), ...pick(400, 401) },
  }),
  async (c) => {
    requireUpgrade(c.req.header("Upgrade"));
    return openUserSocket(c, c.req.valid("query").since ?? null);
  },
);
