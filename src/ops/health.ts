// GET /api/v1/health: what a load balancer or uptime check asks. It proves the two things every
// request needs, D1 answering a query and a room object answering a call (the object of room 0,
// which no room uses), and answers 503 when either fails, so a monitor can page on status alone.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json } from "../http/schemas";
import { roomStub } from "../room/client";
import pkg from "../../package.json";
import { errorFields, log } from "./log";

const Check = z.object({ ok: z.boolean(), ms: z.number().int(), error: z.string().optional() });
const Health = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    version: z.string(),
    checks: z.object({ d1: Check, room_object: Check }),
  })
  .openapi("Health");

/** Each check gives up after this long: a hung dependency is a failed one. */
const CHECK_TIMEOUT_MS = 3_000;

async function check(name: string, probe: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS))),
    ]);
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    log("error", "health check failed", { check: name, ...errorFields(err) });
    return { ok: false, ms: Date.now() - started, error: err instanceof Error ? err.message : String(err) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

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
    const [d1, room] = await Promise.all([
      check("d1", () => c.env.DB.prepare("SELECT 1 AS one").first()),
      check("room_object", () => roomStub(c.env, 0).ping()),
    ]);
    const ok = d1.ok && room.ok;
    c.header("Cache-Control", "no-store");
    return c.json({ status: ok ? ("ok" as const) : ("unavailable" as const), version: pkg.version, checks: { d1, room_object: room } }, ok ? 200 : 503);
  },
);
