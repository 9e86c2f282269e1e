// GET /api/v1/health: what a load balancer or uptime check asks. It answers 503 when D1 or the room
// objects fail (./service.ts), so a monitor can page on status alone.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json } from "../http/schemas";
import { healthReport } from "./service";

const Check = z.object({ ok: z.boolean(), ms: z.number().int(), error: z.string().optional() });
const Health = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    version: z.string(),
    checks: z.object({ d1: Check, room_object: Check }),
  })
  .openapi("Health");

export const healthRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "getHealth",
    tags: ["operations"],
    summary: "Liveness and readiness: D1 and a room object round trip. 503 when either fails",
    security: [],
    responses: { 200: json(Health, "Everything answers"), 503: json(Health, "D1 or the room objects do not answer") },
  }),
  async (c) => {
    const report = await healthReport(c.env);
    c.header("Cache-Control", "no-store");
    return c.json(report, report.status === "ok" ? 200 : 503);
  },
);
