// Registration and login (JSON and the OAuth2 password form), and the session routes: refresh,
// logout, the session list and socket tickets (auth/sessions.ts). Everything else needs a token.
import { createRoute, z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { users } from "../db/schema";
import { router } from "../http/app-env";
import { ApiError, conflict } from "../http/errors";
import { clientAddress, RULES, throttle } from "../http/throttle";
import { json, jsonBody, noContent, pick } from "../http/schemas";
import { displayName, email, password, phone, toUserResponse, UserResponse, username } from "../users/schemas";
import { requireUser } from "./middleware";
import { assertPasswordPolicy, hashPassword, verifyAgainstNothing, verifyPassword } from "./password";
import { endSessions, issueTicket, listSessions, openSession, refreshSession, TICKET_TTL_SECONDS } from "./sessions";

const tokenFields = {
  access_token: z.string(),
  token_type: z.literal("bearer"),
  expires_in: z.number().int().openapi({ description: "Seconds the access token is valid (ACCESS_TOKEN_TTL_SECONDS, default 900)" }),
  refresh_token: z.string().openapi({ description: "Single use: POST /auth/refresh returns a new one. Reusing a spent one ends the session" }),
  refresh_expires_in: z.number().int().openapi({ description: "Seconds the refresh token is valid unless used (REFRESH_TOKEN_TTL_SECONDS)" }),
  session_id: z.string(),
};
const TokenResponse = z.object({ ...tokenFields, user: UserResponse }).openapi("TokenResponse");
const RefreshResponse = z.object(tokenFields).openapi("RefreshResponse");
const RefreshRequest = z.object({ refresh_token: z.string().min(1).max(256) }).openapi("RefreshRequest");
const SessionResponse = z
  .object({
    id: z.string(),
    kind: z.enum(["short", "legacy"]).openapi({ description: "short: refreshable; legacy: one long-lived token (clients without refresh)" }),
    created_at: z.string(),
    last_used_at: z.string().openapi({ description: "Updated at most once a minute" }),
    expires_at: z.string(),
    user_agent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean().openapi({ description: "The session of the token making this request" }),
  })
  .openapi("SessionResponse");
const TicketResponse = z
  .object({ ticket: z.string(), expires_in: z.number().int().openapi({ description: `Seconds (${TICKET_TTL_SECONDS}); good for one socket` }) })
  .openapi("SocketTicket");

const Register = z
  .object({
    username,
    password,
    email: email.optional(),
    phone: phone.optional(),
    display_name: displayName.optional(),
  })
  .openapi("RegisterRequest");
const Login = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(128) }).openapi("LoginRequest");

const bad = () => new ApiError(401, "invalid_credentials", "Incorrect username or password");

/** Checks a username and password (throttled, constant-time) for every login route, dialects included; then call openSession. */
export async function authenticate(env: Env, name: string, pw: string, req: Request) {
  // Counted before the password is hashed: a throttled guess costs no PBKDF2. Per address (any
  // account) and per account *and* address, so a stranger elsewhere never locks the owner out.
  const address = clientAddress(req);
  if (address) await throttle(env, RULES.loginAddress, address);
  await throttle(env, RULES.loginAccount, `${name.toLowerCase()}|${address ?? "-"}`);
  const user = await getDb(env.DB)
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${name})`)
    .get();
  if (!user) throw (await verifyAgainstNothing(pw), bad());
  if (!(await verifyPassword(pw, user))) throw bad();
  await recordLogin(env, user.id, req);
  return user;
}

/** When, from where and with what a user logs in (the reference specs' user IP lookup). */
const loginFacts = (req: Request) => ({
  lastLoginAt: new Date().toISOString(),
  // The client's address as Cloudflare saw it (absent locally).
  lastIp: req.headers.get("CF-Connecting-IP"),
  lastUserAgent: req.headers.get("User-Agent")?.slice(0, 512) ?? null,
});

async function recordLogin(env: Env, userId: number, req: Request) {
  await getDb(env.DB).update(users).set(loginFacts(req)).where(eq(users.id, userId)).run();
}

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
    async (c) => {
      const body = c.req.valid("json");
      const address = clientAddress(c.req.raw);
      if (address) await throttle(c.env, RULES.register, address);
      assertPasswordPolicy(c.env, body.password, "body.password");
      let user;
      try {
        user = await getDb(c.env.DB)
          .insert(users)
          .values({
            username: body.username,
            email: body.email ?? null,
            phone: body.phone ?? null,
            displayName: body.display_name ?? null,
            ...(await hashPassword(body.password)),
            ...loginFacts(c.req.raw),
          })
          .returning()
          .get();
      } catch (e) {
        if (isUniqueViolation(e)) throw conflict("username_taken", "Username is already taken");
        throw e;
      }
      return c.json({ ...(await openShort(c.env, user, c.req.raw)), user: toUserResponse(user) }, 200);
    },
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
      const { username: name, password: pw } = c.req.valid("json");
      const user = await authenticate(c.env, name, pw, c.req.raw);
      return c.json({ ...(await openShort(c.env, user, c.req.raw)), user: toUserResponse(user) }, 200);
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
      const { username: name, password: pw } = c.req.valid("form");
      const user = await authenticate(c.env, name, pw, c.req.raw);
      const { access_token, token_type, expires_in } = await openSession(c.env, user, { request: c.req.raw, lifetime: "legacy" });
      return c.json({ access_token, token_type, expires_in }, 200);
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
    async (c) => c.json(await refreshSession(c.env, c.req.valid("json").refresh_token), 200),
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
      await endSessions(c.env, c.var.user.id, { sid: c.var.user.sessionId }, "signed out");
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
      await endSessions(c.env, c.var.user.id, "all", "signed out everywhere");
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
    async (c) => c.json(await listSessions(c.env, c.var.user), 200),
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
      const ended = await endSessions(c.env, c.var.user.id, { sid: c.req.valid("param").session_id }, "signed out: the session was ended");
      if (!ended) throw new ApiError(404, "session_not_found", "Session not found");
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
    async (c) => c.json(await issueTicket(c.env, c.var.user), 200),
  );

/** Core logins and registration: a short session (access + refresh token). */
async function openShort(env: Env, user: { id: number; tokenVersion: number }, request: Request) {
  const s = await openSession(env, user, { request, lifetime: "short" });
  return { ...s, refresh_token: s.refresh_token!, refresh_expires_in: s.refresh_expires_in! };
}
