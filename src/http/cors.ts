// CORS: which browser origins may call the API (ALLOWED_ORIGINS), and what they may read.
// Requests from other origins are served exactly as before, with no CORS header at all, so the
// browser refuses them; non-browser clients (no Origin) never see a difference.
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "./app-env";

/**
 * Every response header a client may need to read. Keep in step with the headers routes set
 * (test/cors.test.ts checks the list against the served responses it covers).
 */
export const EXPOSED_HEADERS = [
  "Retry-After",
  "X-History-Gap",
  "X-Last-Message-Id",
  "X-Oldest-Message-Id",
  "X-Next-Cursor",
  "X-Searched-Rooms",
  "X-More-Rooms",
  "X-Request-Id",
  "Allow",
  "Location",
  "ETag",
  "Last-Modified",
  "Accept-Ranges",
  "Content-Range",
  "Content-Disposition",
  "Content-Length",
];

/** Browsers cache a preflight this long (seconds); 2 hours is Chromium's cap. */
const PREFLIGHT_MAX_AGE = 7200;

/** "*" or a comma list of origins ("https://app.example.com, http://localhost:5173"). */
export function parseAllowedOrigins(raw: string | undefined): "*" | Set<string> {
  const value = (raw ?? "*").trim();
  if (value === "*" || value === "") return "*";
  return new Set(
    value
      .split(",")
      .map((o) => o.trim().replace(/\/+$/, "").toLowerCase())
      .filter(Boolean),
  );
}

const handler = cors({
  // Only reached for an allowed origin (below): echo it, so a list works like "*" for that origin.
  origin: (origin) => origin,
  allowMethods: ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"],
  exposeHeaders: EXPOSED_HEADERS,
  maxAge: PREFLIGHT_MAX_AGE,
  // Bearer tokens, not cookies: no credentials mode, so "*" stays safe.
  credentials: false,
});

let cached: { raw: string | undefined; allowed: "*" | Set<string> } | null = null;

export const corsMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header("Origin");
  // WebSockets are not subject to CORS (and an upgrade's 101 must go back untouched).
  if (!origin || c.req.header("Upgrade")) return next();
  const raw = c.env.ALLOWED_ORIGINS;
  if (cached?.raw !== raw) cached = { raw, allowed: parseAllowedOrigins(raw) };
  const allowed = cached.allowed;
  if (allowed === "*" || allowed.has(origin.toLowerCase())) return handler(c, next);
  // Not allowed: no CORS headers. Vary still, so a shared cache never hands this answer to an allowed origin.
  await next();
  c.header("Vary", "Origin", { append: true });
};
