// Request ids and the access log. Every response carries X-Request-Id (Cloudflare's cf-ray when
// the request came through its edge, else a fresh id), error bodies echo it as `request_id`, and
// every request ends in one JSON log line. The log names the route pattern, never the raw URL, so
// query strings (where WebSocket tokens travel) and ids typed by users stay out of it.
import { createMiddleware } from "hono/factory";
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../http/app-env";
import { log } from "./log";

export const REQUEST_ID_HEADER = "X-Request-Id";

/** cf-ray when present ("8f3a...-AMS"), else a random id of the same spirit. */
export const requestIdOf = (req: Request) => req.headers.get("cf-ray") ?? crypto.randomUUID().replaceAll("-", "");

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  const id = requestIdOf(c.req.raw);
  c.set("requestId", id);
  try {
    await next();
  } finally {
    // A 101 (WebSocket) response has immutable headers in some runtimes: the id is best effort there.
    try {
      c.res.headers.set(REQUEST_ID_HEADER, id);
    } catch {}
    let room: string | undefined;
    try {
      room = c.req.param("room_id");
    } catch {} // no route matched
    log("info", "request", {
      request_id: id,
      method: c.req.method,
      route: routeOf(c),
      status: c.res.status,
      duration_ms: Date.now() - started,
      user_id: c.get("user")?.id ?? null,
      room_id: room && /^\d{1,16}$/.test(room) ? Number(room) : null,
    });
  }
});

/**
 * The pattern of the handler that answered: the first matched route that is not middleware (a
 * handler ends the chain, so later ones never ran). null when no route matched (a 404 or 405).
 */
function routeOf(c: Context): string | null {
  return matchedRoutes(c).find((r) => r.method !== "ALL")?.path ?? null;
}
