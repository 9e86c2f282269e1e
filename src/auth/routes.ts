// Registration and login (JSON and the OAuth2 password form). Everything else needs a token.
import { createRoute, z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { users } from "../db/schema";
import { router } from "../http/app-env";
import { ApiError, conflict } from "../http/errors";
import { json, jsonBody, pick } from "../http/schemas";
import { displayName, email, password, phone, toUserResponse, UserResponse, username } from "../users/schemas";
import { assertPasswordPolicy, hashPassword, verifyAgainstNothing, verifyPassword } from "./password";
import { issueToken } from "./tokens";

const TokenResponse = z
  .object({ access_token: z.string(), token_type: z.literal("bearer"), expires_in: z.number().int(), user: UserResponse })
  .openapi("TokenResponse");

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

async function authenticate(env: Env, name: string, pw: string, req: Request) {
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
      tags: ["auth"],
      summary: "Create an account and get a token",
      request: jsonBody(Register),
      responses: { 200: json(TokenResponse), ...pick(400, 409) },
    }),
    async (c) => {
      const body = c.req.valid("json");
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
      return c.json({ ...(await issueToken(c.env, user)), user: toUserResponse(user) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login",
      tags: ["auth"],
      summary: "Log in with username and password (JSON)",
      request: jsonBody(Login),
      responses: { 200: json(TokenResponse), ...pick(400, 401) },
    }),
    async (c) => {
      const { username: name, password: pw } = c.req.valid("json");
      const user = await authenticate(c.env, name, pw, c.req.raw);
      return c.json({ ...(await issueToken(c.env, user)), user: toUserResponse(user) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/login/access-token",
      tags: ["auth"],
      summary: "OAuth2 password flow (form-urlencoded username/password)",
      request: {
        body: {
          content: { "application/x-www-form-urlencoded": { schema: Login } },
          required: true,
        },
      },
      responses: {
        200: json(z.object({ access_token: z.string(), token_type: z.literal("bearer"), expires_in: z.number().int() })),
        ...pick(400, 401),
      },
    }),
    async (c) => {
      const { username: name, password: pw } = c.req.valid("form");
      const user = await authenticate(c.env, name, pw, c.req.raw);
      return c.json(await issueToken(c.env, user), 200);
    },
  );
