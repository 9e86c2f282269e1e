// Document 003 (IM API V3) at /api/v1, beside the core: the paths it names that the core spells
// differently, as translations onto the core's services. Paths the two share (GET /conversations/,
// /auth/login/access-token, /notifications/...) are the core's own handlers, whose answers carry
// 003's fields too. See docs/dialects.md for the table.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { router, type AppEnv } from "../../http/app-env";
import { aliasRoutes003 } from "./aliases";
import { messageRoutes003 } from "./messages";

export const doc003Routes = (): OpenAPIHono<AppEnv> => router().route("/", messageRoutes003()).route("/", aliasRoutes003());
