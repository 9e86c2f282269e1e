// Document 004 (the Django IM API) at /user/...: its accounts, friends, private chats and groups,
// each a translation onto the core's services; its envelope and error numbers are in envelope.ts.
// See docs/dialects.md for the path-by-path table.
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { methodNotAllowed } from "hono/method-not-allowed";
import { MAX_JSON_BODY } from "../../http/body-limit";
import type { AppEnv } from "../../http/app-env";
import { dialectRouter } from "../envelope";
import { DOC004_PREFIX, envelope004, methodNotAllowed004, notFound004 } from "./envelope";
import { ApiError } from "../../http/errors";
import { accountRoutes } from "./accounts";
import { chatRoutes } from "./chats";
import { friendRoutes } from "./friends";
import { groupRoutes } from "./groups";

export { DOC004_PREFIX } from "./envelope";

/** Bodies are JSON up to the core's limit; a picture in base64 may be as large as an upload (4/3 of it). */
const limited = createMiddleware<AppEnv>(async (c, next) => {
  const picture = c.req.path.endsWith("/update_normal_info");
  const maxSize = picture ? Math.ceil(((Number(c.env.MAX_UPLOAD_BYTES) || 10 * 1024 * 1024) * 4) / 3) + 1024 : MAX_JSON_BODY;
  return bodyLimit({ maxSize, onError: () => { throw new ApiError(413, "payload_too_large", `Request body is larger than ${maxSize} bytes`, { doc004: 3 }); } })(c, next);
});

/**
 * The door at DOC004_PREFIX. It answers its own unknown paths (404) and wrong methods (405 with
 * Allow) in Django's words, so the app's global handlers know nothing of it.
 */
export function doc004Routes() {
  const r = dialectRouter(envelope004);
  r.use("*", methodNotAllowed({ app: r, onMethodNotAllowed: methodNotAllowed004 }))
    .use("*", limited)
    .route("/", accountRoutes())
    .route("/", friendRoutes())
    .route("/", chatRoutes())
    .route("/", groupRoutes());
  // Last, so every route above wins. The bare prefix is not the document's: a page load of it is
  // the web app's (the app's own 404 handler serves those).
  r.all("*", (c) => (c.req.path === DOC004_PREFIX && (c.req.method === "GET" || c.req.method === "HEAD") ? c.notFound() : notFound004(c)));
  return r;
}
