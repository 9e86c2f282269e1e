import { env } from "cloudflare:workers";
import { decodeJwt, SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { api, expectError, registerUser, uniq } from "./helpers";

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

async function sign(claims: Record<string, unknown>, opts: { secret?: string; sub?: string; exp?: number | null } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt();
  if (opts.sub !== undefined) jwt = jwt.setSubject(opts.sub);
  if (opts.exp !== null) jwt = jwt.setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 3600);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? env.JWT_SECRET));
}

const me = (token: string) => api("GET", "/users/me", { token });
/** The session a user's token names: a token built here must name a live one. */
const sid = (u: { token: string }) => decodeJwt(u.token).sid as string;
const form = (fields: Record<string, string>) => ({
  raw: new URLSearchParams(fields).toString(),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
});

describe("POST /auth/register", () => {
  it("creates the account and returns a working token with the user", async () => {
    const username = uniq("reg");
    const res = await api("POST", "/auth/register", {
      body: { username, password: "password123", email: "a@example.com", phone: "+4912345678", display_name: "Alice" },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: "bearer", expires_in: 900, refresh_expires_in: 2592000 });
    expect(typeof res.json.refresh_token).toBe("string");
    expect(typeof res.json.access_token).toBe("string");
    expect(res.json.user).toMatchObject({
      username,
      display_name: "Alice",
      email: "a@example.com",
      phone: "+4912345678",
      avatar_url: null,
      is_admin: false,
    });
    expect(Number.isInteger(res.json.user.id)).toBe(true);
    expect(res.json.user.created_at).toMatch(ISO_Z);
    expect(res.json.user).not.toHaveProperty("password_hash");
    const self = await me(res.json.access_token);
    expect(self.status).toBe(200);
    expect(self.json.id).toBe(res.json.user.id);
  });

  it("stores a salted PBKDF2 hash, never the password", async () => {
    const a = await registerUser("salt");
    const b = await registerUser("salt");
    const rows = await env.DB.prepare("SELECT password_hash, password_salt, password_iterations FROM users WHERE id IN (?, ?)")
      .bind(a.id, b.id)
      .all<{ password_hash: string; password_salt: string; password_iterations: number }>();
    expect(rows.results).toHaveLength(2);
    const [x, y] = rows.results;
    expect(x.password_salt).not.toBe(y.password_salt);
    expect(x.password_hash).not.toBe(y.password_hash);
    expect(x.password_hash).not.toContain("password123");
    expect(x.password_iterations).toBe(100_000);
  });

  it("409 when the username is taken, case-insensitively", async () => {
    const u = await registerUser("dup");
    expectError(await api("POST", "/auth/register", { body: { username: u.username, password: "password123" } }), 409, "username_taken");
    expectError(
      await api("POST", "/auth/register", { body: { username: u.username.toUpperCase(), password: "password123" } }),
      409,
      "username_taken",
    );
  });

  const invalid: [string, Record<string, unknown>][] = [
    ["username too short", { username: "ab" }],
    ["username too long", { username: "a".repeat(33) }],
    ["username with spaces", { username: "bad name" }],
    ["username with quote", { username: "bob'--" }],
    ["username not a string", { username: 12345 }],
    ["password too short", { password: "1234567" }],
    ["password too long", { password: "x".repeat(129) }],
    ["password not a string", { password: 12345678 }],
    ["missing password", { password: undefined }],
    ["bad email", { email: "not-an-email" }],
    ["phone with letters", { phone: "12ab345" }],
    ["display name too long", { display_name: "d".repeat(65) }],
  ];
  for (const [what, patch] of invalid) {
    it(`400 invalid_request for ${what}, and no account is created`, async () => {
      const username = uniq("bad");
      const body = { username, password: "password123", ...patch };
      const res = await api("POST", "/auth/register", { body });
      expectError(res, 400, "invalid_request");
      expect(Array.isArray(res.json.errors)).toBe(true);
      expect(res.json.errors[0]).toHaveProperty("path");
      const name = typeof body.username === "string" ? body.username : username;
      const row = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE lower(username) = lower(?)").bind(name).first<{ n: number }>();
      expect(row?.n).toBe(0);
    });
  }

  it("400 for a missing body", async () => {
    expectError(await api("POST", "/auth/register", { body: {} }), 400, "invalid_request");
  });
});

describe("POST /auth/login (JSON)", () => {
  it("returns the same body as register", async () => {
    const u = await registerUser("login");
    const res = await api("POST", "/auth/login", { body: { username: u.username, password: "password123" } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: "bearer", expires_in: 900, user: { id: u.id, username: u.username } });
    expect((await me(res.json.access_token)).json.id).toBe(u.id);
  });

  it("accepts the username in any case", async () => {
    const u = await registerUser("Case");
    const res = await api("POST", "/auth/login", { body: { username: u.username.toLowerCase(), password: "password123" } });
    expect(res.status).toBe(200);
    expect(res.json.user.id).toBe(u.id);
  });

  it("401 with the same message for a wrong password and an unknown user", async () => {
    const u = await registerUser("login");
    const wrongPw = await api("POST", "/auth/login", { body: { username: u.username, password: "wrong-password" } });
    const noUser = await api("POST", "/auth/login", { body: { username: uniq("ghost"), password: "password123" } });
    expectError(wrongPw, 401, "invalid_credentials");
    expectError(noUser, 401, "invalid_credentials");
    expect(wrongPw.json.detail).toBe(noUser.json.detail);
  });

  it("400 for missing or mistyped fields", async () => {
    expectError(await api("POST", "/auth/login", { body: { username: "someone" } }), 400, "invalid_request");
    expectError(await api("POST", "/auth/login", { body: { username: 1, password: "password123" } }), 400, "invalid_request");
  });
});

describe("POST /auth/login/access-token (OAuth2 form)", () => {
  it("returns a bearer token for form-urlencoded credentials", async () => {
    const u = await registerUser("oauth");
    const res = await api("POST", "/auth/login/access-token", form({ username: u.username, password: "password123" }));
    expect(res.status).toBe(200);
    expect(res.json.token_type).toBe("bearer");
    expect((await me(res.json.access_token)).json.id).toBe(u.id);
  });

  it("401 with the same message for a wrong password and an unknown user", async () => {
    const u = await registerUser("oauth");
    const wrongPw = await api("POST", "/auth/login/access-token", form({ username: u.username, password: "nope-nope" }));
    const noUser = await api("POST", "/auth/login/access-token", form({ username: uniq("ghost"), password: "password123" }));
    expectError(wrongPw, 401, "invalid_credentials");
    expectError(noUser, 401, "invalid_credentials");
    expect(wrongPw.json.detail).toBe(noUser.json.detail);
  });

  it("400 for a missing field, 415 for a JSON body", async () => {
    expectError(await api("POST", "/auth/login/access-token", form({ username: "someone" })), 400, "invalid_request");
    expectError(
      await api("POST", "/auth/login/access-token", { body: { username: "someone", password: "password123" } }),
      415,
      "unsupported_media_type",
    );
  });
});

describe("bearer tokens", () => {
  it("a token built here with the server secret works (so the failures below are about the token)", async () => {
    const u = await registerUser("tok");
    const res = await me(await sign({ ver: 0, sid: sid(u) }, { sub: String(u.id) }));
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(u.id);
  });

  it("401 {detail, code} with WWW-Authenticate when the token is missing", async () => {
    const res = await api("GET", "/users/me");
    expectError(res, 401, "unauthorized");
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  });

  it("401 for an expired token", async () => {
    const u = await registerUser("tok");
    const expired = await sign({ ver: 0, sid: sid(u) }, { sub: String(u.id), exp: Math.floor(Date.now() / 1000) - 60 });
    expectError(await me(expired), 401, "unauthorized");
  });

  it("401 for a token signed with another secret", async () => {
    const u = await registerUser("tok");
    expectError(await me(await sign({ ver: 0, sid: sid(u) }, { sub: String(u.id), secret: "some-other-secret" })), 401, "unauthorized");
  });

  it("401 for a token without exp, without sub, or with alg none", async () => {
    const u = await registerUser("tok");
    expectError(await me(await sign({ ver: 0, sid: sid(u) }, { sub: String(u.id), exp: null })), 401, "unauthorized");
    expectError(await me(await sign({ ver: 0 })), 401, "unauthorized");
    const unsigned = new UnsecuredJWT({ ver: 0 }).setSubject(String(u.id)).setExpirationTime("1h").encode();
    expectError(await me(unsigned), 401, "unauthorized");
  });

  it("401 for malformed tokens and headers", async () => {
    expectError(await me("not-a-jwt"), 401, "unauthorized");
    expectError(await me("a.b.c"), 401, "unauthorized");
    expectError(await api("GET", "/users/me", { headers: { Authorization: "Basic dXNlcjpwYXNz" } }), 401, "unauthorized");
    expectError(await api("GET", "/users/me", { headers: { Authorization: "Bearer" } }), 401, "unauthorized");
  });

  it("401 for a token whose user does not exist or whose sub is not an id", async () => {
    expectError(await me(await sign({ ver: 0 }, { sub: "999999999" })), 401, "unauthorized");
    expectError(await me(await sign({ ver: 0 }, { sub: "alice" })), 401, "unauthorized");
  });

  it("tokens issued before a password change stop working", async () => {
    const u = await registerUser("rev");
    const second = (await api("POST", "/auth/login", { body: { username: u.username, password: "password123" } })).json.access_token;
    const changed = await api("POST", "/users/me/password", {
      token: u.token,
      body: { old_password: "password123", new_password: "new-password-456" },
    });
    expect(changed.status).toBe(200);
    expectError(await me(u.token), 401, "unauthorized");
    expectError(await me(second), 401, "unauthorized");
    expect((await me(changed.json.access_token)).status).toBe(200);
    expectError(await api("POST", "/auth/login", { body: { username: u.username, password: "password123" } }), 401, "invalid_credentials");
    const fresh = await api("POST", "/auth/login", { body: { username: u.username, password: "new-password-456" } });
    expect(fresh.status).toBe(200);
    expect((await me(fresh.json.access_token)).status).toBe(200);
  });
});

describe("public routes", () => {
  it("health needs no token", async () => {
    const res = await api("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("ok");
  });
});
