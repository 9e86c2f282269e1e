// The auth routes: registration and login (JSON and the OAuth2 password form), and the session
// routes (refresh, logout, the session list, socket tickets). Each is zod in, one call into
// ./service.ts, JSON out. Everything but registration, login and refresh needs a token.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, jsonBody, noContent, pick } from "../http/schemas";
import { requireUser } from "./middleware";
import { Login, RefreshRequest, RefreshResponse, Register, SessionResponse, TicketResponse, TokenResponse } from "./schemas";
import { endSession, login, loginLongLived, logout, logoutEverywhere, mySessions, refresh, register, socketTicket } from "./service";
import { TICKET_TTL_SECONDS } from "./sessions";

export const authRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/register",
      operationId: "register",
      // Public: how a caller gets a token in the first place.
      security: [],
      tags: ["auth"],
      summary: "Create an account and get a token",
      request: jsonBody(Register),
      responses: { 200: json(TokenResponse), ...pick(400, 409, 429) },
    }),
    async (c) => c.json(await register(c, c.req.valid("json"), c.req.raw), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login",
      operationId: "login",
      security: [],
      tags: ["auth"],
      summary: "Log in with username and password (JSON)",
      request: jsonBody(Login),
      responses: { 200: json(TokenResponse), ...pick(400, 401, 429) },
    }),
    async (c) => {
      const { username, password } = c.req.valid("json");
      return c.json(await login(c, username, password, c.req.raw), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login/access-token",
      operationId: "loginForAccessToken",
      security: [],
      tags: ["auth"],
      summary: "OAuth2 password flow (form-urlencoded username/password): one long-lived token (JWT_TTL_SECONDS), no refresh",
      request: {
        body: {
          content: { "application/x-www-form-urlencoded": { schema: Login } },
          required: true,
        },
      },
      responses: {
        200: json(z.object({ access_token: z.string(), token_type: z.literal("bearer"), expires_in: z.number().int() })),
        ...pick(400, 401, 429),
      },
    }),
    async (c) => {
      const { username, password } = c.req.valid("form");
      return c.json(await loginLongLived(c, username, password, c.req.raw), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/refresh",
      tags: ["auth"],
      summary: "Rotate a refresh token: a new access token and a new refresh token. A refresh token used twice ends its session (401 refresh_token_reused)",
      security: [],
      request: jsonBody(RefreshRequest),
      responses: { 200: json(RefreshResponse), ...pick(400, 401) },
    }),
    async (c) => c.json(await refresh(c, c.req.valid("json").refresh_token), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout",
      tags: ["auth"],
      summary: "End this session: its tokens stop working at once and its sockets close (4001)",
      middleware: [requireUser] as const,
      responses: { ...noContent, ...pick(401) },
    }),
    async (c) => {
      await logout(c);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout-all",
      tags: ["auth"],
      summary: "End every session of your account, this one included; every socket closes (4001)",
      middleware: [requireUser] as const,
      responses: { ...noContent, ...pick(401) },
    }),
    async (c) => {
      await logoutEverywhere(c);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/sessions",
      tags: ["auth"],
      summary: "Your sessions (devices), most recently used first",
      middleware: [requireUser] as const,
      responses: { 200: json(z.array(SessionResponse)), ...pick(401) },
    }),
    async (c) => c.json(await mySessions(c), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/sessions/{session_id}",
      tags: ["auth"],
      summary: "End one of your sessions: its tokens stop working at once and its sockets close (4001)",
      middleware: [requireUser] as const,
      request: { params: z.object({ session_id: z.string().min(1).max(64).openapi({ param: { name: "session_id", in: "path" } }) }) },
      responses: { ...noContent, ...pick(400, 401, 404) },
    }),
    async (c) => {
      await endSession(c, c.req.valid("param").session_id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/socket-ticket",
      tags: ["auth"],
      summary: `A single-use ticket for opening a socket (?ticket=) without a token in the URL; valid ${TICKET_TTL_SECONDS} s. The socket lives as long as this session`,
      middleware: [requireUser] as const,
      responses: { 200: json(TicketResponse), ...pick(401) },
    }),
    async (c) => c.json(await socketTicket(c), 200),
  );
