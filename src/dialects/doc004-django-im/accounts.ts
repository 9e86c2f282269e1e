// Document 004, accounts: register, login, logoff, the two profile updates, user search and
// profiles. Each is the core's own operation (auth, users and avatars services) in the
// document's shapes; requests are checked by the core's own schemas, so both doors refuse alike.
import { z } from "@hono/zod-openapi";
import { Login, Register } from "../../auth/schemas";
import { loginLongLived, register } from "../../auth/service";
import { passwordProblem } from "../../auth/password";
import { setMyAvatar } from "../../avatars/service";
import type { Context } from "hono";
import { router, type AppEnv } from "../../http/app-env";
import { ApiError, fieldErrors, normalizeError } from "../../http/errors";
import { ChangePassword, DeleteMe, UpdateMe, username } from "../../users/schemas";
import { changePassword, deleteAccount, findUserId, searchUsers, updateMe, userProfile } from "../../users/service";
import { avatarBase64, body004, route004, signedIn } from "./common";
import { fail, ok, translate, type CodeMap } from "./envelope";
import { AuthInfoReply, Empty, LoginReply, ProfileReply, SearchReply } from "./models";

const text = z.string().max(1000);

/** Core validation failures name the field; the document has one code per field. */
const FIELD_CODES: Record<string, 11 | 12 | 13 | 14> = { "body.username": 11, "body.password": 12, "body.new_password": 12, "body.email": 13, "body.phone": 14 };
const fieldCode = (e: ApiError) => (e.code === "invalid_request" ? FIELD_CODES[e.extra.errors?.[0]?.path ?? ""] : undefined);

/** The document's fields checked by the core's schema for the same operation (400 invalid_request as the core's own). */
function checked<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ApiError(400, "invalid_request", "Invalid request", { errors: fieldErrors(r.error.issues, "body") });
}

/** An account operation: a refusal naming a field gets that field's code, any other goes by `map`. */
async function account<T>(call: () => Promise<T>, map: CodeMap = {}): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const e = normalizeError(err as Error);
    const code = fieldCode(e);
    throw code ? fail(code) : translate(e, map);
  }
}

const Register004 = z.object({ username: text, password: text, email: text.optional(), phone: text.optional() });
const Login004 = z.object({ username: text, password: text });
const Password = z.object({ password: text });
const NormalInfo = z.object({ avatar_base64: z.string() });
// username is not in the document's body, but its table answers 10 and 11 here: it is read and checked.
const AuthInfo = z.object({ old_password: text, new_password: text.optional(), email: text.optional(), phone: text.optional(), username: text.optional() });

/**
 * The document's own field rules, on top of the core's (which the same values meet as well):
 * a username of at most 20 characters (11), an email of at most 50 (13), a phone of digits only,
 * at most 20 (14). Its password cap of 20 is not applied: the password policy has no upper
 * bound below 128, so a longer password stays accepted (docs/dialects.md).
 */
function documentRules(b: { username?: string; email?: string; phone?: string }) {
  if (b.username !== undefined && (b.username.length < 1 || b.username.length > 20)) throw fail(11);
  if (b.email && b.email.length > 50) throw fail(13);
  if (b.phone && !/^[0-9]{1,20}$/.test(b.phone)) throw fail(14);
}

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

/** The picture as the multipart upload the avatar pipeline streams (its length up front, as uploads need). */
async function pictureUpload(bytes: Uint8Array): Promise<Request> {
  const form = new FormData();
  form.set("file", new Blob([bytes]), "avatar");
  const encoded = new Request("https://form.internal/", { method: "POST", body: form });
  const body = await encoded.arrayBuffer();
  return new Request(encoded.url, {
    method: "PUT",
    headers: { "Content-Type": encoded.headers.get("Content-Type")!, "Content-Length": String(body.byteLength) },
    body,
  });
}

/**
 * A username sent to update_auth_info: the rules of register (11), someone else's (10), else it
 * must be yours. Usernames do not change: logins, profiles and @mentions find people by them, and
 * a name given up could be taken by someone else (docs/dialects.md).
 */
async function sameUsername(c: Context<AppEnv>, name: string) {
  if (!username.safeParse(name).success) throw fail(11);
  const owner = await findUserId(c, name);
  if (owner !== null && owner !== c.var.user.id) throw fail(10);
  if (owner === null) throw new ApiError(400, "invalid_request", "Usernames cannot be changed", { doc004: 3 });
}

export const accountRoutes = () => {
  const r = router();
  r.use("/logoff", signedIn);
  r.use("/update_normal_info", signedIn);
  r.use("/update_auth_info", signedIn);
  r.use("/search_friends", signedIn);
  r.use("/profile/*", signedIn);
  return r
    .openapi(route004("post", "/register", "Create an account (core POST /auth/register); username at most 20 characters", Empty, body004(Register004), true), async (c) => {
      const b = c.req.valid("json");
      documentRules(b);
      await account(() => register(c, checked(Register, { username: b.username, password: b.password, email: b.email || undefined, phone: b.phone || undefined }), c.req.raw), {
        username_taken: 10,
      });
      return ok(c);
    })
    .openapi(route004("post", "/login", "Log in: {token}, a JWT to send as Authorization (core POST /auth/login/access-token)", LoginReply, body004(Login004), true), async (c) => {
      const b = c.req.valid("json");
      // The core's login for clients without refresh tokens (004 knows none): whatever it does
      // (a long-lived session, rate limits, the login record), a 004 login does too.
      const creds = Login.safeParse({ username: b.username, password: b.password });
      if (!creds.success) throw fail(2);
      try {
        return ok(c, LoginReply, { token: (await loginLongLived(c, creds.data.username, creds.data.password, c.req.raw)).access_token });
      } catch (err) {
        // The document tells "no such user" (2) from "wrong password" (15). Its register (10) and
        // profile (20) tell existence anyway, so this reveals nothing new.
        if (err instanceof ApiError && err.status === 401) throw fail((await findUserId(c, b.username)) === null ? 2 : 15);
        throw translate(err);
      }
    })
    .openapi(route004("post", "/logoff", "Delete your account, password required (core DELETE /users/me)", Empty, body004(Password)), async (c) => {
      await account(() => deleteAccount(c, checked(DeleteMe, { password: c.req.valid("json").password }).password), { wrong_password: 15 });
      return ok(c);
    })
    .openapi(
      route004("put", "/update_normal_info", "Set your picture from base64 (core PUT /users/me/avatar: images only, sniffed)", Empty, body004(NormalInfo)),
      async (c) => {
        const bytes = decodeBase64(c.req.valid("json").avatar_base64);
        if (!bytes) throw fail(3);
        const upload = await pictureUpload(bytes);
        await account(() => setMyAvatar(c, upload));
        return ok(c);
      },
    )
    .openapi(
      route004(
        "put",
        "/update_auth_info",
        "Change password, email or phone; old_password required (core PATCH /users/me and POST /users/me/password). A new password returns a fresh {token}: older tokens stop working. A username is checked (11, 10) but cannot change",
        AuthInfoReply,
        body004(AuthInfo),
      ),
      async (c) => {
        const b = c.req.valid("json");
        documentRules(b);
        if (b.username !== undefined) await sameUsername(c, b.username);
        // The core's own password rule, checked before anything is written, so a refusal changes nothing.
        if (b.new_password !== undefined && passwordProblem(c.env, b.new_password) !== null) throw fail(12);
        if (b.new_password === undefined && b.email === undefined && b.phone === undefined) throw fail(3);
        const map: CodeMap = { wrong_password: 15 };
        if (b.email !== undefined || b.phone !== undefined) {
          const patch = { ...(b.email !== undefined && { email: b.email }), ...(b.phone !== undefined && { phone: b.phone }), current_password: b.old_password };
          await account(async () => updateMe(c, checked(UpdateMe, patch)), map);
        }
        if (b.new_password === undefined) return ok(c, AuthInfoReply, {});
        const input = { old_password: b.old_password, new_password: b.new_password };
        const token = await account(async () => changePassword(c, checked(ChangePassword, input)), map);
        return ok(c, AuthInfoReply, { token: token.access_token });
      },
    )
    .openapi(
      route004("get", "/search_friends", "Find users by a keyword in their name (core GET /users/search), first 20", SearchReply, {
        query: z.object({ keyword: z.string().trim().min(1).max(64) }),
      }),
      async (c) => {
        const users = await account(() => searchUsers(c, { q: c.req.valid("query").keyword, limit: 20, offset: 0 }));
        const avatars = await Promise.all(users.map((u) => avatarBase64(c, u.avatar_url)));
        return ok(c, SearchReply, { data: users.map((u, i) => ({ user_id: u.id, username: u.username, avatar_base64: avatars[i] })) });
      },
    )
    .openapi(
      route004("get", "/profile/{user_name}", "A user's profile; email and phone only for yourself (core GET /users/{id})", ProfileReply, {
        params: z.object({ user_name: z.string().min(1).max(64) }),
      }),
      async (c) => {
        const userId = await findUserId(c, c.req.valid("param").user_name);
        if (userId === null) throw fail(20);
        const p = await account(() => userProfile(c, userId), { not_found: 20 });
        return ok(c, ProfileReply, {
          user_id: p.id,
          username: p.username,
          email: p.contact.email,
          phone: p.contact.phone,
          avatar_base64: await avatarBase64(c, p.avatar_url),
          is_friend: p.is_friend ? 1 : 0,
        });
      },
    );
};
