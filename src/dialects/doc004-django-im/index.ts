// Document 004 (the Django IM API) at /user/...: its accounts, friends, private chats and groups,
// each a translation onto the core's routes; its envelope and error numbers are in envelope.ts.
// See docs/dialects.md for the path-by-path table.
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { MAX_JSON_BODY } from "../../http/body-limit";
import type { AppEnv } from "../../http/app-env";
import { dialectRouter } from "../envelope";
import { envelope004 } from "./envelope";
import { ApiError } from "../../http/errors";
import type { Core } from "../in-process";
import { accountRoutes } from "./accounts";
import { chatRoutes } from "./chats";
import { friendRoutes } from "./friends";
import { groupRoutes } from "./groups";

export { DOC004_PREFIX, isDoc004Path, methodNotAllowed004, notFound004 } from "./envelope";

/** Bodies are JSON up to the core's limit; a picture in base64 may be as large as an upload (4/3 of it). */
const limited = createMiddleware<AppEnv>(async (c, next) => {
  const picture = c.req.path.endsWith("/update_normal_info");
  const maxSize = picture ? Math.ceil(((Number(c.env.MAX_UPLOAD_BYTES) || 10 * 1024 * 1024) * 4) / 3) + 1024 : MAX_JSON_BODY;
  return bodyLimit({ maxSize, onError: () => { throw new ApiError(413, "payload_too_large", `Request body is larger than ${maxSize} bytes`, { doc004: 3 }); } })(c, next);
});

export function doc004Routes(core: Core) {
  return dialectRouter(envelope004).use("*", limited).route("/", accountRoutes()).route("/", friendRoutes()).route("/", chatRoutes(core)).route("/", groupRoutes(core));
}
