// Document 004, accounts: register, login, logoff, the two profile updates, user search and
// profiles. Each is the core's own operation (auth, users, avatars) in the document's shapes.
import { z } from "@hono/zod-openapi";
import { getDb } from "../../db/client";
import { router } from "../../http/app-env";
import { passwordProblem } from "../../auth/password";
import { userIdByUsername } from "../../users/queries";
import { callCore, type Core } from "../in-process";
import { query } from "../in-process";
import { asUser, avatarBase64, body004, route004, signedIn } from "./common";
import { expectOk, fail, ok, type CodeMap } from "./envelope";

const text = z.string().max(1000);

/** Core validation failures name the field; the document has one code per field. */
const FIELD_CODES: Record<string, 11 | 12 | 13 | 14> = { "body.username": 11, "body.password": 12, "body.new_password": 12, "body.email": 13, "body.phone": 14 };
function fieldCode(reply: { ok: boolean; body: any }) {
  if (reply.ok || reply.body?.code !== "invalid_request") return;
  const code = FIELD_CODES[reply.body.errors?.[0]?.path ?? ""];
  if (code) throw fail(code);
}

const Register = z.object({ username: text, password: text, email: text.optional(), phone: text.optional() });
const Login = z.object({ username: text, password: text });
const Password = z.object({ password: text });
const NormalInfo = z.object({ avatar_base64: z.string() });
const AuthInfo = z.object({ old_password: text, new_password: text.optional(), email: text.optional(), phone: text.optional() });

/** The picture a client sends: raw base64 or a data: URL. */
function decodeBase64(s: string): Uint8Array | null {
  const raw = s.replace(/^data:[^,]*;base64,/, "").replace(/\s+/g, "");
  if (!raw || !/^[A-Za-z0-9+/]+={0,2}$/.test(raw)) return null;
  try {
    return Uint8Array.from(atob(raw), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

export const accountRoutes = (core: Core) => {
  const r = router();
  r.use("/logoff", signedIn);
  r.use("/update_normal_info", signedIn);
  r.use("/update_auth_info", signedIn);
  r.use("/search_friends", signedIn);
  r.use("/profile/*", signedIn);
  return r
    .openapi(route004("post", "/register", "Create an account (core POST /auth/register)", body004(Register), true), async (c) => {
      const b = c.req.valid("json");
      const reply = await callCore(core, c, { method: "POST", path: "/auth/register", json: { username: b.username, password: b.password, email: b.email || undefined, phone: b.phone || undefined } });
      fieldCode(reply);
      expectOk(reply, { username_taken: 10 });
      return ok(c);
    })
    .openapi(route004("post", "/login", "Log in: {token}, a JWT to send as Authorization (core POST /auth/login/access-token)", body004(Login), true), async (c) => {
      const b = c.req.valid("json");
      // The core's login for clients without refresh tokens (004 knows none): whatever it does
      // (a long-lived session, rate limits, the login record), a 004 login does too.
      const reply = await callCore(core, c, { method: "POST", path: "/auth/login/access-token", form: new URLSearchParams({ username: b.username, password: b.password }) });
      if (reply.status === 401) {
        // The document tells "no such user" (2) from "wrong password" (15). Its register (10) and
        // profile (20) tell existence anyway, so this reveals nothing new.
        throw fail((await userIdByUsername(getDb(c.env.DB), b.username)) === null ? 2 : 15);
      }
      if (!reply.ok && reply.body?.code === "invalid_request") throw fail(2);
      return ok(c, { token: expectOk(reply).access_token });
    })
    .openapi(route004("post", "/logoff", "Delete your account, password required (core DELETE /users/me)", body004(Password)), async (c) => {
      expectOk(await asUser(core, c, { method: "DELETE", path: "/users/me", json: { password: c.req.valid("json").password } }), { wrong_password: 15 });
      return ok(c);
    })
    .openapi(
      route004("put", "/update_normal_info", "Set your picture from base64 (core PUT /users/me/avatar: images only, sniffed)", body004(NormalInfo)),
      async (c) => {
        const bytes = decodeBase64(c.req.valid("json").avatar_base64);
        if (!bytes) throw fail(3);
        const form = new FormData();
        form.set("file", new Blob([bytes]), "avatar");
        expectOk(await asUser(core, c, { method: "PUT", path: "/users/me/avatar", form }));
        return ok(c);
      },
    )
    .openapi(
      route004(
        "put",
        "/update_auth_info",
        "Change password, email or phone; old_password required (core PATCH /users/me and POST /users/me/password). A new password returns a fresh {token}: older tokens stop working",
        body004(AuthInfo),
      ),
      async (c) => {
        const b = c.req.valid("json");
        // The core's own password rule, checked before anything is written, so a refusal changes nothing.
        if (b.new_password !== undefined && passwordProblem(c.env, b.new_password) !== null) throw fail(12);
        if (b.new_password === undefined && b.email === undefined && b.phone === undefined) throw fail(3);
        const map: CodeMap = { wrong_password: 15 };
        if (b.email !== undefined || b.phone !== undefined) {
          const reply = await asUser(core, c, {
            method: "PATCH",
            path: "/users/me",
            json: { ...(b.email !== undefined && { email: b.email }), ...(b.phone !== undefined && { phone: b.phone }), current_password: b.old_password },
          });
          fieldCode(reply);
          expectOk(reply, map);
        }
        if (b.new_password === undefined) return ok(c);
        const reply = await asUser(core, c, { method: "POST", path: "/users/me/password", json: { old_password: b.old_password, new_password: b.new_password } });
        fieldCode(reply);
        return ok(c, { token: expectOk(reply, map).access_token });
      },
    )
    .openapi(
      route004("get", "/search_friends", "Find users by a keyword in their name (core GET /users/search), first 20", {
        query: z.object({ keyword: z.string().trim().min(1).max(64) }),
      }),
      async (c) => {
        const users = expectOk(await asUser(core, c, { method: "GET", path: `/users/search${query({ q: c.req.valid("query").keyword, limit: 20 })}` })) as {
          id: number;
          username: string;
          avatar_url: string | null;
        }[];
        const avatars = await Promise.all(users.map((u) => avatarBase64(core, c, u.avatar_url)));
        return ok(c, { data: users.map((u, i) => ({ user_id: u.id, username: u.username, avatar_base64: avatars[i] })) });
      },
    )
    .openapi(
      route004("get", "/profile/{user_name}", "A user's profile; email and phone only for yourself (core GET /users/{id})", {
        params: z.object({ user_name: z.string().min(1).max(64) }),
      }),
      async (c) => {
        const userId = await userIdByUsername(getDb(c.env.DB), c.req.valid("param").user_name);
        if (userId === null) throw fail(20);
        const self = userId === c.var.user.id;
        const [profile, me] = await Promise.all([
          asUser(core, c, { method: "GET", path: `/users/${userId}` }),
          self ? asUser(core, c, { method: "GET", path: "/users/me" }) : null,
        ]);
        const p = expectOk(profile, { not_found: 20 });
        const mine = me ? expectOk(me) : null;
        return ok(c, {
          user_id: p.id,
          username: p.username,
          // Personal data goes only to its owner (and system admins through the core API).
          email: mine?.email ?? null,
          phone: mine?.phone ?? null,
          avatar_base64: await avatarBase64(core, c, p.avatar_url),
          is_friend: p.is_friend ? 1 : 0,
        });
      },
    );
};
