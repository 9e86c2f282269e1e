// App assembly: global middleware, the one error handler, route mounting and the OpenAPI
// document. Handlers live in their feature folders.
import { swaggerUI } from "@hono/swagger-ui";
import { bodyLimit } from "hono/body-limit";
import { except } from "hono/combine";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requireUser } from "./auth/middleware";
import { createRoute, z } from "@hono/zod-openapi";
import { corsMiddleware } from "./http/cors";
import { nameOperations, registerDocumentRoutes } from "./http/openapi";
import { json } from "./http/schemas";
import { authRoutes } from "./auth/routes";
import { avatarFileRoutes, roomAvatarRoutes, userAvatarRoutes } from "./avatars/routes";
import { banRoutes } from "./bans/routes";
import { broadcastRoutes } from "./broadcasts/routes";
import { eventRoutes } from "./events/routes";
import { blockRoutes } from "./blocks/routes";
import { conversationRoutes } from "./conversations/routes";
import { settingsRoutes } from "./conversations/settings";
import { followRoutes } from "./follows/routes";
import { friendRoutes } from "./friends/routes";
import { router } from "./http/app-env";
import { ApiError, renderError } from "./http/errors";
import { inviteCodeRoutes } from "./invitations/codes";
import { invitationRoutes } from "./invitations/routes";
import { joinRequestRoutes } from "./join-requests/routes";
import { fileRoutes, isUploadRequest } from "./media/routes";
import { memberRoutes } from "./members/routes";
import { messageRoutes } from "./messages/routes";
import { searchRoutes } from "./messages/search";
import { notificationRoutes } from "./notifications/routes";
import { templateRoutes } from "./notifications/templates";
import { presenceRoutes } from "./presence/routes";
import { reactionRoutes } from "./reactions/routes";
import { asyncApiDocument } from "./realtime/asyncapi";
import { realtimeRoutes } from "./realtime/routes";
import { roomRoutes } from "./rooms/routes";
import { roomStatsRoutes, statsRoutes } from "./stats/routes";
import { userRoutes } from "./users/routes";
import pkg from "../package.json";

export const API = "/api/v1";
export const MAX_JSON_BODY = 1024 * 1024;

/** Paths the API owns (and its aliases); everything else is the web app's. */
const API_PREFIXES = [`${API}/`, "/ws/", "/realtime/", "/user/", "/api/"];

function isAppPage(method: string, path: string) {
  return (method === "GET" || method === "HEAD") && path !== API && !API_PREFIXES.some((p) => path.startsWith(p));
}

export function buildApp() {
  // strict: false -> "/chat-rooms" and "/chat-rooms/" are the same route.
  const app = router({ strict: false });
  // First: a preflight (OPTIONS) is answered here for every path, before routing can 404/405 it.
  app.use(corsMiddleware);
  // Unknown path -> 404 JSON; known path with another method -> 405 with Allow.
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        c.json({ detail: `Method ${c.req.method} not allowed; use ${methods.join(", ")}`, code: "method_not_allowed" }, 405, {
          Allow: methods.join(", "),
        }),
    }),
  );
  app.use(
    `${API}/*`,
    except(
      isUploadRequest,
      bodyLimit({
        maxSize: MAX_JSON_BODY,
        onError: () => {
          throw new ApiError(413, "payload_too_large", `Request body is larger than ${MAX_JSON_BODY} bytes`);
        },
      }),
    ),
  );

  // The JSON index lives under the API; "/" is the web app (static assets, web/).
  app.get(API, (c) =>
    c.json({
      name: "edge chat",
      version: pkg.version,
      description: pkg.description,
      docs: `${API}/docs`,
      openapi: `${API}/openapi.json`,
      asyncapi: `${API}/asyncapi.json`,
      health: `${API}/health`,
    }),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: `${API}/health`,
      operationId: "getHealth",
      security: [],
      tags: ["meta"],
      summary: "Liveness",
      responses: { 200: json(z.object({ status: z.literal("ok") })) },
    }),
    (c) => c.json({ status: "ok" as const }, 200),
  );

  app.route(`${API}/auth`, authRoutes);
  app.use(`${API}/users/*`, requireUser);
  // "/x/*" also matches "/x" itself.
  app.use(`${API}/chat-rooms/*`, requireUser);
  app.use(`${API}/friends/*`, requireUser);
  // Order matters where paths overlap: /users/me/... before /users/{user_id}.
  app.route(`${API}/users`, followRoutes);
  app.route(`${API}/users`, blockRoutes);
  app.route(`${API}/users`, presenceRoutes);
  app.route(`${API}/users`, userAvatarRoutes);
  app.route(`${API}/users`, userRoutes);
  app.route(`${API}/chat-rooms`, joinRequestRoutes);
  app.route(`${API}/chat-rooms`, memberRoutes);
  app.route(`${API}/chat-rooms`, messageRoutes);
  app.route(`${API}/chat-rooms`, reactionRoutes);
  app.route(`${API}/chat-rooms`, roomAvatarRoutes);
  app.route(`${API}/chat-rooms`, roomStatsRoutes);
  app.route(`${API}/chat-rooms`, roomRoutes);
  // "/conversations/*" also matches "/conversations" itself: one use, so one user lookup.
  app.use(`${API}/notifications/*`, requireUser);
  // Before the notification routes: /templates is not a notification id.
  app.route(`${API}/notifications/templates`, templateRoutes);
  app.route(`${API}/notifications`, notificationRoutes);
  app.use(`${API}/stats/*`, requireUser);
  app.route(`${API}/stats`, statsRoutes);
  app.use(`${API}/messages/*`, requireUser);
  app.route(`${API}/messages`, searchRoutes);
  app.use(`${API}/realtime/*`, requireUser);
  app.route(`${API}/realtime`, realtimeRoutes);
  app.use(`${API}/events/*`, requireUser);
  app.route(`${API}/events`, eventRoutes);
  app.use(`${API}/broadcasts/*`, requireUser);
  app.route(`${API}/broadcasts`, broadcastRoutes);
  app.use(`${API}/conversations/*`, requireUser);
  app.route(`${API}/conversations`, conversationRoutes);
  app.route(`${API}/chat-rooms`, banRoutes);
  app.route(`${API}/chat-rooms`, invitationRoutes);
  app.route(`${API}/chat-rooms`, inviteCodeRoutes);
  app.route(`${API}/chat-rooms`, settingsRoutes);
  app.route(`${API}/friends`, friendRoutes);
  // Not behind requireUser as a whole: downloads also accept signed URLs (see media/routes.ts).
  app.route(`${API}/files`, fileRoutes);
  // Public: pictures are shown next to names, to anyone who sees the names.
  app.route(`${API}/avatars`, avatarFileRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  registerDocumentRoutes(app.openAPIRegistry, API);
  nameOperations(app.openAPIRegistry);
  app.doc31(`${API}/openapi.json`, {
    openapi: "3.1.0",
    info: {
      title: "edge chat API",
      version: pkg.version,
      description:
        "Chat backend on Cloudflare Workers. Paths spelled /chatrooms/... are aliases of /chat-rooms/...; the room WebSocket is also at /ws/chat/{room_id}/.\n\n" +
        `Documents: this one, [OpenAPI 3.1](${API}/openapi.json) (REST); the WebSockets (room and user), [AsyncAPI 3.0](${API}/asyncapi.json).`,
    },
    security: [{ Bearer: [] }],
  });
  app.get(`${API}/docs`, swaggerUI({ url: `${API}/openapi.json` }));
  const asyncapi = asyncApiDocument(pkg.version);
  app.get(`${API}/asyncapi.json`, (c) => c.json(asyncapi));

  app.notFound((c) =>
    // A page of the web app that reached the worker (run_worker_first, or a test calling the worker
    // directly) is answered by the assets, which fall back to index.html for client-side routes.
    isAppPage(c.req.method, c.req.path)
      ? c.env.ASSETS.fetch(c.req.raw)
      : c.json({ detail: `No route for ${c.req.method} ${c.req.path}`, code: "not_found" }, 404),
  );
  app.onError(renderError);
  return app;
}
