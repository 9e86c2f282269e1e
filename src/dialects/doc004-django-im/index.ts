// Document 004 (the Django IM API) at /user/...: its accounts, friends, private chats and groups,
// each a translation onto the core's routes; its envelope and error numbers are in envelope.ts.
// See docs/dialects.md for the path-by-path table.
import { router } from "../../http/app-env";
import type { Core } from "../in-process";
import { accountRoutes } from "./accounts";
import { chatRoutes } from "./chats";
import { friendRoutes } from "./friends";
import { groupRoutes } from "./groups";

export { DOC004_PREFIX, isDoc004Path, methodNotAllowed004, notFound004, renderDoc004Error } from "./envelope";

export function doc004Routes(core: Core) {
  return router().route("/", accountRoutes(core)).route("/", friendRoutes(core)).route("/", chatRoutes(core)).route("/", groupRoutes(core));
}
