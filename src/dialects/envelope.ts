// What every dialect (src/dialects/docNNN-*) shares: a Hono sub-app whose errors, validation
// failures included, come out in the document's own envelope, rendered from the one ApiError
// type; and the middleware each of its routes runs (JSON body limit, authentication), attached to
// the routes themselves so that their refusals take the dialect's envelope too.
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { requireUser } from "../auth/middleware";
import { router, type AppEnv } from "../http/app-env";
import { jsonBodyLimit } from "../http/body-limit";
import type { Code, StatusOf } from "../http/codes";
import { ApiError, normalizeError } from "../http/errors";

/** A document's error body, made from the one error type. */
export type Envelope = (e: ApiError, c: Context) => Record<string, unknown>;

/** A sub-app for one document: its routes answer errors with `envelope`. */
export function dialectRouter(envelope: Envelope) {
  const app = router({ strict: false });
  app.onError((err, c) => {
    const e = normalizeError(err);
    return c.json(envelope(e, c), e.status, e.extra.headers);
  });
  return app;
}

/** The middleware of a dialect route: JSON bodies up to the core's limit (uploads stream past it), then a signed-in user. */
export const authed: MiddlewareHandler<AppEnv>[] = [
  createMiddleware<AppEnv>(async (c, next) => {
    const type = c.req.header("Content-Type") ?? "";
    if (/^multipart\/form-data/i.test(type) && /\/upload\/?$/.test(c.req.path)) return next();
    return jsonBodyLimit(c, next);
  }),
  requireUser,
];

/** A dialect's refusal that the core has no rule for (a shape the document cannot express). */
export const refusal = <C extends Code>(status: StatusOf<C> & (400 | 403 | 404 | 409 | 415), code: C, detail: string) => new ApiError(status, code, detail);
