// Throttles: password guessing counts failures only (src/auth/guesses.ts, D1 counters); registrations,
// uploads and cross-room search are on the Workers Rate Limiting binding (simulated by miniflare with
// wall-clock minute windows). Each test tries the attack until it is refused and shows the
// legitimate use still works.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, expectError, registerUser, uniq } from "./helpers";
import * as fx from "./media-fixtures";

/** The limits of wrangler.toml. */
const LIMITS = { loginAccountFailures: 10, loginAddressFailures: 100, register: 50, passwordFailures: 5, upload: 60, search: 60 };

/** Windows are whole wall-clock minutes: start a run early in one, so it does not straddle two. */
/** Tests that wait for a fresh window get its wait on top of the usual timeout. */
const WINDOW_WAIT = 100_000;
async function freshWindow(need = 20) {
  const left = 60 - (Date.now() / 1000) % 60;
  if (left < need) await new Promise((r) => setTimeout(r, left * 1000 + 50));
}
let ipSeq = 0;
// Unique per call within a run (IPv6 documentation prefix): no two tests share an address's counters.
const runTag = Date.now().toString(16).slice(-6);
const address = () => `2001:db8::${runTag.slice(0, 3)}:${runTag.slice(3)}:${(ipSeq++).toString(16)}`;

const loginFrom = (ip: string, username: string, password: string) =>
  api("POST", "/auth/login", { body: { username, password }, headers: { "CF-Connecting-IP": ip } });

function expect429(res: { status: number; json: any; headers: Headers }) {
  expectError(res, 429, "rate_limited");
  expect(res.headers.get("Retry-After")).toBe("60");
}

/** The failure counter of a guessing key (src/auth/guesses.ts), or 0. */
const failures = async (key: string) =>
  ((await env.DB.prepare("SELECT failures FROM auth_failures WHERE key = ?").bind(key).first<{ failures: number }>())?.failures ?? 0);

describe("sign-in throttling counts failures, not people", () => {
  it("a class of 30 behind one address registers and signs in three times each within a minute", async () => {
    const school = address();
    const names = Array.from({ length: 30 }, () => uniq("pupil"));
    for (const username of names) {
      const res = await api("POST", "/auth/register", { body: { username, password: "password123" }, headers: { "CF-Connecting-IP": school } });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
    }
    for (let round = 0; round < 3; round++)
      for (const username of names) {
        const res = await loginFrom(school, username, "password123");
        expect(res.status, `${username} round ${round}: ${JSON.stringify(res.json)}`).toBe(200);
      }
    expect(await failures(`address:${school}`)).toBe(0);
  });

  it("10 wrong passwords lock the account at that address; the 11th is refused unchecked; a classmate and the owner elsewhere still sign in", async () => {
    const [victim, classmate] = await Promise.all([registerUser("vic"), registerUser("mate")]);
    const attacker = address();
    const key = `login:${victim.username.toLowerCase()}|${attacker}`;
    for (let i = 0; i < LIMITS.loginAccountFailures; i++) expectError(await loginFrom(attacker, victim.username, `guess-${i}-xx`), 401, "invalid_credentials");
    expect(await failures(key)).toBe(LIMITS.loginAccountFailures);
    const refused = await loginFrom(attacker, victim.username, "guess-11-xx");
    expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(Number(refused.headers.get("Retry-After"))).toBeLessThanOrEqual(60);
    // Refused before the password is checked: the guess is not counted (it never reached the hash),
    // and even the right password is refused from here (no oracle).
    expect(await failures(key)).toBe(LIMITS.loginAccountFailures);
    expectError(await loginFrom(attacker, victim.username, "password123"), 429, "rate_limited");
    // The OAuth2 form login shares the lock.
    const form = await api("POST", "/auth/login/access-token", {
      raw: new URLSearchParams({ username: victim.username, password: "password123" }).toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": attacker },
    });
    expectError(form, 429, "rate_limited");
    // A classmate at the same address, and the owner from another address, sign in.
    expect((await loginFrom(attacker, classmate.username, "password123")).status).toBe(200);
    const owner = await loginFrom(address(), victim.username, "password123");
    expect(owner.status, JSON.stringify(owner.json)).toBe(200);
  });

  it("spraying 3 guesses over each of 40 accounts from one address is refused by its 100th failure", async () => {
    const accounts = await Promise.all(Array.from({ length: 40 }, () => registerUser("spr")));
    const sprayer = address();
    let tried = 0;
    let firstRefusal = 0;
    for (let round = 0; round < 3 && !firstRefusal; round++)
      for (const a of accounts) {
        tried++;
        const res = await loginFrom(sprayer, a.username, `spray-${round}-pw`);
        if (res.status === 429) {
          expectError(res, 429, "rate_limited");
          firstRefusal = tried;
          break;
        }
        expectError(res, 401, "invalid_credentials");
      }
    expect(firstRefusal).toBeGreaterThan(0);
    expect(firstRefusal).toBeLessThanOrEqual(LIMITS.loginAddressFailures + 1);
    expect(await failures(`address:${sprayer}`)).toBe(LIMITS.loginAddressFailures);
    // Unknown accounts count too, and a real user elsewhere is unaffected.
    expectError(await loginFrom(sprayer, uniq("nobody"), "whatever-pw"), 429, "rate_limited");
    expect((await loginFrom(address(), accounts[0].username, "password123")).status).toBe(200);
  });

  it("each door renders a throttled sign-in in its own envelope: the core 429 with Retry-After, document 004 its code 3", async () => {
    const victim = await registerUser("door");
    const ip = address();
    for (let i = 0; i < LIMITS.loginAccountFailures; i++) expectError(await loginFrom(ip, victim.username, `guess-${i}-xx`), 401, "invalid_credentials");
    const core = await loginFrom(ip, victim.username, "password123");
    expectError(core, 429, "rate_limited");
    expect(core.headers.get("Retry-After")).toMatch(/^[1-9][0-9]*$/);
    const res = await exports.default.fetch("http://edge.test/user/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
      body: JSON.stringify({ username: victim.username, password: "password123" }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get("Retry-After")).toMatch(/^[1-9][0-9]*$/);
    expect(((await res.json()) as { code: number }).code).toBe(3);
  });

  it("an unknown account's failures count against the address", async () => {
    const ip = address();
    for (let i = 0; i < 3; i++) expectError(await loginFrom(ip, uniq("ghost"), "whatever-pw"), 401, "invalid_credentials");
    expect(await failures(`address:${ip}`)).toBe(3);
  });
});

describe("registration throttling", () => {
  it("an address registers at most the configured number of accounts a minute; nothing is created past it", async () => {
    await freshWindow(40);
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
  }, WINDOW_WAIT);
});

describe("password-checking routes", () => {
  it("correct checks never count; wrong ones lock the user's password checks, so a stolen token cannot brute-force it", async () => {
    const [u, other] = await Promise.all([registerUser("pw"), registerUser("pw")]);
    // More correct checks than the limit: none counts.
    for (let i = 0; i <= LIMITS.passwordFailures; i++)
      expect((await api("PATCH", "/users/me", { token: u.token, body: { email: `me${i}@example.com`, current_password: "password123" } })).status).toBe(200);
    for (let i = 0; i < LIMITS.passwordFailures; i++) {
      const res = await api("POST", "/users/me/password", { token: u.token, body: { old_password: `wrong-${i}-pw`, new_password: "new-password-1" } });
      expectError(res, 403, "wrong_password");
    }
    expectError(await api("POST", "/users/me/password", { token: u.token, body: { old_password: "password123", new_password: "new-password-1" } }), 429, "rate_limited");
    expectError(await api("DELETE", "/users/me", { token: u.token, body: { password: "password123" } }), 429, "rate_limited");
    expectError(await api("PATCH", "/users/me", { token: u.token, body: { email: "x@example.com", current_password: "password123" } }), 429, "rate_limited");
    expect(await failures(`user:${u.id}`)).toBe(LIMITS.passwordFailures);
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
  }, WINDOW_WAIT);

  it("cross-room search is limited per user", async () => {
    await freshWindow();
    const [u, other] = await Promise.all([registerUser("se"), registerUser("se")]);
    for (let i = 0; i < LIMITS.search; i++) expect((await api("GET", "/messages/search?q=hello", { token: u.token })).status).toBe(200);
    expect429(await api("GET", "/messages/search?q=hello", { token: u.token }));
    expect((await api("GET", "/messages/search?q=hello", { token: other.token })).status).toBe(200);
  }, WINDOW_WAIT);
});
