// Throttles (Workers Rate Limiting binding, simulated by miniflare with wall-clock minute windows):
// password guessing, registrations, password-checking routes, uploads and cross-room search. Each
// test tries the attack until it is refused and shows the legitimate use still works.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, expectError, registerUser, uniq } from "./helpers";
import * as fx from "./media-fixtures";

/** The limits of wrangler.jsonc. */
const LIMITS = { loginAccount: 5, loginAddress: 30, register: 5, password: 5, upload: 60, search: 60 };

/** Windows are whole wall-clock minutes: start a run early in one, so it does not straddle two. */
async function freshWindow(need = 20) {
  const left = 60 - (Date.now() / 1000) % 60;
  if (left < need) await new Promise((r) => setTimeout(r, left * 1000 + 50));
}
let ipSeq = 0;
const address = () => `198.51.100.${(Date.now() % 200) + ipSeq++}`;

const loginFrom = (ip: string, username: string, password: string) =>
  api("POST", "/auth/login", { body: { username, password }, headers: { "CF-Connecting-IP": ip } });

function expect429(res: { status: number; json: any; headers: Headers }) {
  expectError(res, 429, "rate_limited");
  expect(res.headers.get("Retry-After")).toBe("60");
}

describe("login throttling", () => {
  it("guessing one account from one address is cut off; the owner still logs in from another address", async () => {
    await freshWindow();
    const victim = await registerUser("vic");
    const attacker = address();
    for (let i = 0; i < LIMITS.loginAccount; i++) expectError(await loginFrom(attacker, victim.username, `guess-${i}-xx`), 401, "invalid_credentials");
    expect429(await loginFrom(attacker, victim.username, "guess-last-x"));
    // Even the right password from the attacker's address is refused now (no oracle).
    expect429(await loginFrom(attacker, victim.username, "password123"));
    // The OAuth2 form login shares the limit.
    const form = await api("POST", "/auth/login/access-token", {
      raw: new URLSearchParams({ username: victim.username, password: "password123" }).toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": attacker },
    });
    expect429(form);
    // The owner, elsewhere, is not locked out.
    const owner = await loginFrom(address(), victim.username, "password123");
    expect(owner.status, JSON.stringify(owner.json)).toBe(200);
  });

  it("one address guessing across many accounts hits the looser per-address limit", async () => {
    await freshWindow();
    const ip = address();
    let refused = 0;
    for (let i = 0; i < LIMITS.loginAddress + 1; i++) {
      const res = await loginFrom(ip, uniq("nobody"), "whatever-pw");
      if (res.status === 429) refused++;
      else expectError(res, 401, "invalid_credentials");
    }
    expect(refused).toBe(1);
    // A real user from another address logs in.
    const u = await registerUser("ok");
    expect((await loginFrom(address(), u.username, "password123")).status).toBe(200);
  });
});

describe("registration throttling", () => {
  it("an address registers at most the configured number of accounts a minute; nothing is created past it", async () => {
    await freshWindow();
    const ip = address();
    for (let i = 0; i < LIMITS.register; i++) {
      const res = await api("POST", "/auth/register", { body: { username: uniq("reg"), password: "password123" }, headers: { "CF-Connecting-IP": ip } });
      expect(res.status).toBe(200);
    }
    const name = uniq("reg");
    expect429(await api("POST", "/auth/register", { body: { username: name, password: "password123" }, headers: { "CF-Connecting-IP": ip } }));
    expect(await env.DB.prepare("SELECT id FROM users WHERE username = ?").bind(name).first()).toBeNull();
    // Someone else registers.
    expect((await api("POST", "/auth/register", { body: { username: uniq("reg"), password: "password123" }, headers: { "CF-Connecting-IP": address() } })).status).toBe(200);
  });
});

describe("password-checking routes", () => {
  it("a stolen token cannot brute-force the current password: each route is limited per user", async () => {
    await freshWindow();
    const [u, other] = await Promise.all([registerUser("pw"), registerUser("pw")]);
    for (let i = 0; i < LIMITS.password; i++) {
      const res = await api("POST", "/users/me/password", { token: u.token, body: { old_password: `wrong-${i}-pw`, new_password: "new-password-1" } });
      expectError(res, 403, "wrong_password");
    }
    expect429(await api("POST", "/users/me/password", { token: u.token, body: { old_password: "password123", new_password: "new-password-1" } }));
    expect429(await api("DELETE", "/users/me", { token: u.token, body: { password: "password123" } }));
    expect429(await api("PATCH", "/users/me", { token: u.token, body: { email: "x@example.com", current_password: "password123" } }));
    // Nothing changed, and other edits (no password check) still work.
    expect((await api("POST", "/auth/login", { body: { username: u.username, password: "password123" } })).status).toBe(200);
    expect((await api("PATCH", "/users/me", { token: u.token, body: { bio: "still me" } })).status).toBe(200);
    // Another user is not affected.
    expect((await api("POST", "/users/me/password", { token: other.token, body: { old_password: "password123", new_password: "new-password-1" } })).status).toBe(200);
  });
});

describe("uploads and search", () => {
  it("uploads are limited per user", async () => {
    await freshWindow(25);
    const [u, other] = await Promise.all([registerUser("up"), registerUser("up")]);
    const upload = (token: string) => {
      const form = fx.multipart([{ name: "file", filename: "a.png", data: fx.png(4, 4) }]);
      return api("POST", "/files", { token, raw: form.body, headers: { "Content-Type": form.contentType } });
    };
    for (let i = 0; i < LIMITS.upload; i++) expect((await upload(u.token)).status).toBe(201);
    expect429(await upload(u.token));
    expect((await upload(other.token)).status).toBe(201);
  });

  it("cross-room search is limited per user", async () => {
    await freshWindow();
    const [u, other] = await Promise.all([registerUser("se"), registerUser("se")]);
    for (let i = 0; i < LIMITS.search; i++) expect((await api("GET", "/messages/search?q=hello", { token: u.token })).status).toBe(200);
    expect429(await api("GET", "/messages/search?q=hello", { token: u.token }));
    expect((await api("GET", "/messages/search?q=hello", { token: other.token })).status).toBe(200);
  });
});
