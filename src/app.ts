// App assembly: global middleware, the one error handler, route mounting and the OpenAPI
// document. Handlers live in their feature folders.
import { swaggerUI } from "@hono/swagger-ui";
import { except } from "hono/combine";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requireUser } from "./auth/middleware";
import { corsMiddleware } from "./http/cors";
import { nameOperations, registerDocumentRoutes } from "./http/openapi";
import { authRoutes } from "./auth/routes";
import { avatarFileRoutes, roomAvatarRoutes, userAvatarRoutes } from "./avatars/routes";
import { banRoutes } from "./bans/routes";
import { broadcastRoutes } from "./broadcasts/routes";
import { chatRoomRoutes } from "./dialects/api-chat-rooms";
import { doc001Routes, doc001SocketRoutes } from "./dialects/doc001-django-chat/routes";
import { doc002Routes } from "./dialects/doc002-fastapi-chat/routes";
import { eventRoutes } from "./events/routes";
import { blockRoutes } from "./blocks/routes";
import { conversationRoutes } from "./conversations/routes";
import { doc003Routes } from "./dialects/doc003-im-v3";
import { editRoutes } from "./edits/routes";
import { DOC004_PREFIX, doc004Routes } from "./dialects/doc004-django-im";
import { settingsRoutes } from "./conversations/settings";
import { followRoutes } from "./follows/routes";
import { friendRoutes } from "./friends/routes";
import { router } from "./http/app-env";
import { jsonBodyLimit, MAX_JSON_BODY } from "./http/body-limit";
import { ApiError, renderError } from "./http/errors";
import { failClosed, securityHeaders } from "./http/secure";
import { isAppPage } from "./http/web-app";
import { inviteCodeRoutes } from "./invitations/codes";
import { invitationRoutes } from "./invitations/routes";
import { joinRequestRoutes } from "./join-requests/routes";
import { fileRoutes, isUploadRequest } from "./media/routes";
import { memberRoutes } from "./members/routes";
import { mentionRoutes } from "./mentions/routes";
import { messageRoutes } from "./messages/routes";
import { searchRoutes } from "./messages/search";
import { healthRoutes } from "./ops/health";
import { requestContext } from "./ops/request";
import { notificationRoutes } from "./notifications/routes";
import { pinRoutes } from "./pins/routes";
import { threadRoutes } from "./threads/routes";
import { templateRoutes } from "./notification-templates/routes";
import { presenceRoutes } from "./presence/routes";
import { reactionRoutes } from "./reactions/routes";
import { asyncApiDocument } from "./realtime/asyncapi";
import { realtimeRoutes } from "./realtime/routes";
import { roomRoutes } from "./rooms/routes";
import { roomStatsRoutes, statsRoutes } from "./stats/routes";
import { userRoutes } from "./users/routes";
import pkg from "../package.json";

export const API = "/api/v1";
export { MAX_JSON_BODY };

export function buildApp() {
  // strict: false -> "/chat-rooms" and "/chat-rooms/" are the same route.
  const app = router({ strict: false });
  // First: every response, errors and 404s included, gets its request id and its log line, and
  // carries the security headers.
  app.use(requestContext);
  app.use(securityHeaders(API));
  // Then a preflight (OPTIONS) is answered here for every path, before routing can 404/405 it.
  app.use(corsMiddleware);
  // Nothing is served without JWT_SECRET (src/http/secure.ts).
  app.use(failClosed);
  // Unknown path -> 404 JSON; known path with another method -> 405 with Allow.
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        renderError(
          new ApiError(405, "method_not_allowed", `Method ${c.req.method} not allowed; use ${methods.join(", ")}`, { headers: { Allow: methods.join(", ") } }),
          c,
        ),
    }),
  );
  app.use(`${API}/*`, except(isUploadRequest, jsonBodyLimit));

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
  app.route(`${API}/health`, healthRoutes);

  app.route(`${API}/auth`, authRoutes);
  // POST /users/ creates an account (document 003): the one users route open to strangers.
  app.use(`${API}/users/*`, except((c) => c.req.method === "POST" && /\/users\/?$/.test(c.req.path), requireUser));
  // "/x/*" also matches "/x" itself.
  app.use(`${API}/chat-rooms/*`, requireUser);
  app.use(`${API}/friends/*`, requireUser);
  // Order matters where paths overlap: /users/me/... before /users/{user_id}.
  app.route(`${API}/users`, mentionRoutes);
  app.route(`${API}/users`, followRoutes);
  app.route(`${API}/users`, blockRoutes);
  app.route(`${API}/users`, presenceRoutes);
  app.route(`${API}/users`, userAvatarRoutes);
  app.route(`${API}/users`, userRoutes);
  app.route(`${API}/chat-rooms`, joinRequestRoutes);
  app.route(`${API}/chat-rooms`, memberRoutes);
  app.route(`${API}/chat-rooms`, messageRoutes);
  app.route(`${API}/chat-rooms`, reactionRoutes);
  app.route(`${API}/chat-rooms`, pinRoutes);
  app.route(`${API}/chat-rooms`, threadRoutes);
  app.route(`${API}/chat-rooms`, editRoutes);
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
  // Document 003's paths the core spells differently; before /files, whose /{file_id} would take /files/list.
  app.route(API, doc003Routes());
  // Not behind requireUser as a whole: downloads also accept signed URLs (see media/routes.ts).
  app.route(`${API}/files`, fileRoutes);
  // Public: pictures are shown next to names, to anyone who sees the names.
  app.route(`${API}/avatars`, avatarFileRoutes);

  // The reference documents' own doors (src/dialects; docs/dialects.md): 001 and 002 share /api/chat.
  app.route("/api/chat", chatRoomRoutes);
  app.route("/api/chat", doc001Routes);
  app.route("/api/chat", doc002Routes);
  app.route("/ws/chat", doc001SocketRoutes);
  // Reference document 004 (the Django IM API), its own paths, envelope, 404 and 405: docs/dialects.md.
  app.route(DOC004_PREFIX, doc004Routes());

  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.openAPIRegistry.registerComponent("securitySchemes", "Doc004Jwt", { type: "apiKey", in: "header", name: "Authorization", description: "Document 004: the JWT itself (Bearer also accepted)" });
  registerDocumentRoutes(app.openAPIRegistry, API);
  nameOperations(app.openAPIRegistry);
  app.doc31(`${API}/openapi.json`, {
    openapi: "3.1.0",
    info: {
      title: "edge chat API",
      version: pkg.version,
      description:
        "Chat backend on Cloudflare Workers. Paths spelled /chatrooms/... are aliases of /chat-rooms/...; /api/chat/... and /ws/chat/{room_id}/ serve the reference documents 001 and 002, /user/... document 004 (docs/dialects.md).\n\n" +
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
    isAppPage(c.req.method, c.req.path, API)
      ? // A copy: the assets' response headers are immutable, and the request id is still added.
        c.env.ASSETS.fetch(c.req.raw).then((res) => new Response(res.body, res))
      : renderError(new ApiError(404, "not_found", `No route for ${c.req.method} ${c.req.path}`), c),
  );
  app.onError(renderError);
  return app;
}
