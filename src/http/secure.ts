// Safety middleware on every response: refuse to serve without JWT_SECRET (fail closed), and the
// security headers (hono/secure-headers). See docs/security.md, "Headers" and "Fail closed".
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";

type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { isAppPage } from "./web-app";

/** The secret every key derives from; a request never gets past here without it. */
export const hasSecret = (env: Env) => typeof env.JWT_SECRET === "string" && env.JWT_SECRET.length > 0;

export const failClosed = createMiddleware<AppEnv>(async (c, next) => {
  if (!hasSecret(c.env))
    throw new ApiError(503, "misconfigured", "The server is not configured (JWT_SECRET is missing); nothing is served until it is", {
      headers: { "Retry-After": "60" },
    });
  await next();
});

const common: SecureHeadersOptions = {
  // JSON never renders, so the API's own policy allows nothing, and nobody frames it.
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  crossOriginResourcePolicy: "same-origin",
};

const apiHeaders = secureHeaders(common);
// Pictures and media are embedded by pages of other origins (<img>, <audio>): loadable cross-origin.
// Not overwriting: a download keeps its own `Content-Security-Policy: sandbox` (media/download.ts).
const embeddable = secureHeaders({ ...common, crossOriginResourcePolicy: "cross-origin", overwrite: false });
// The Swagger UI page loads its script and styles from jsDelivr (@hono/swagger-ui) and runs one
// inline bootstrap script; it fetches only the OpenAPI document from here.
const docsPage = secureHeaders({
  ...common,
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["https://cdn.jsdelivr.net", "'unsafe-inline'"],
    styleSrc: ["https://cdn.jsdelivr.net", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:", "https://cdn.jsdelivr.net"],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
});

/**
 * Picks the header set by path. WebSocket upgrades are skipped: their 101 (or the room object's
 * refusal) comes back from a Durable Object with immutable headers, and a socket has no page.
 */
export function securityHeaders(api: string): MiddlewareHandler<AppEnv> {
  return (c: Context<AppEnv>, next) => {
    if (c.req.header("Upgrade")?.toLowerCase() === "websocket") return next();
    const path = c.req.path;
    // The web app's pages carry the headers of web/public/_headers (a policy that lets it run).
    if (isAppPage(c.req.method, path, api)) return next();
    if (path === `${api}/docs` || path === `${api}/docs/`) return docsPage(c, next);
    if (path.startsWith(`${api}/avatars/`) || path.startsWith(`${api}/files/`)) return embeddable(c, next);
    return apiHeaders(c, next);
  };
}
