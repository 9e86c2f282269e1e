// The client event routes (mounted at /events): report an event, read the history back. Each is
// zod in, one call into ./service.ts, JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, jsonBody, pick } from "../http/schemas";
import { EventCreate, EventQuery, EventResponse } from "./schemas";
import { listEvents, reportEvent } from "./service";

export const eventRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["events"],
      summary: "Report an event (201); a retry with the same client_id returns the first report (200), with different content 409",
      request: jsonBody(EventCreate),
      responses: { 201: json(EventResponse, "Recorded"), 200: json(EventResponse, "Already recorded"), ...pick(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { event, created } = await reportEvent(c, c.req.valid("json"));
      return created ? c.json(event, 201) : c.json(event, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["events"],
      summary: "Your events, newest first (system admins: anyone's with user_id, or everyone's with all_users=true); filter by type and time, page with before",
      request: { query: EventQuery },
      responses: { 200: json(z.array(EventResponse)), ...pick(400, 401, 403) },
    }),
    async (c) => c.json(await listEvents(c, c.req.valid("query")), 200),
  );
