// Security headers on every answer, fail-closed without JWT_SECRET, and the media key derived with HKDF.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { signAccessToken } from "../src/auth/tokens";
import { signedFileUrl } from "../src/http/media-url";
import { api, BASE, expectError, registerUser } from "./helpers";

function expectApiHeaders(h: Headers) {
  expect(h.get("x-content-type-options")).toBe("nosniff");
  expect(h.get("referrer-policy")).toBe("no-referrer");
  expect(h.get("x-frame-options")).toBe("DENY");
  expect(h.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
}

describe("security headers", () => {
  it("every kind of API answer carries nosniff, no-referrer and DENY framing", async () => {
    const u = await registerUser("hdr");
    const answers = [
      await api("GET", "/health"),
      await api("GET", "/users/me", { token: u.token }),
      await api("GET", "/users/me"), // 401
      await api("GET", "/no/such/route"), // 404
      await api("DELETE", "/health"), // 405
      await api("POST", "/auth/login", { body: { username: "" } }), // 400
      await api("GET", "/openapi.json"),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 404, 405, 400, 200]);
    for (const a of answers) {
      expectApiHeaders(a.headers);
      expect(a.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    }
  });

  it("the Swagger UI page may load its assets from jsDelivr and nothing else, and cannot be framed", async () => {
    const res = await exports.default.fetch(`${BASE}/docs`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expectApiHeaders(res.headers);
    const csp = res.headers.get("content-security-policy")!;
    // Every external asset the page references is allowed by its policy.
    const assets = [...html.matchAll(/(?:src|href)="(https:\/\/[^"]+)"/g)].map((m) => new URL(m[1]).origin);
    expect(assets.length).toBeGreaterThan(0);
    for (const origin of assets) expect(csp).toContain(origin);
    expect(csp).toMatch(/connect-src 'self'/);
  });
});

describe("fail closed", () => {
  it("without JWT_SECRET every request is 503 misconfigured, and no token or media URL can be made", async () => {
    const broken = { ...env, JWT_SECRET: "" } as Env;
    for (const [method, path] of [
      ["GET", "/health"],
      ["POST", "/auth/login"],
      ["GET", "/users/me"],
      ["GET", "/files/1?exp=9999999999&sig=00"],
    ]) {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(`${BASE}${path}`, { method, headers: { "Content-Type": "application/json" }, body: method === "POST" ? '{"username":"a","password":"b"}' : undefined }), broken, ctx);
      await waitOnExecutionContext(ctx);
      const body = (await res.json()) as { code: string; detail: string };
      expectError({ status: res.status, json: body }, 503, "misconfigured");
      expectApiHeaders(res.headers);
    }
    await expect(signAccessToken(broken, { userId: 1, ver: 0, sid: "x", exp: 9_999_999_999 })).rejects.toThrow(/JWT_SECRET/);
    expect(() => signedFileUrl(broken, 1)).toThrow(/JWT_SECRET/);
    // With the secret the same worker serves.
    const ctx = createExecutionContext();
    expect((await worker.fetch(new Request(`${BASE}/health`), env, ctx)).status).toBe(200);
  });

  it("media URLs are signed with their own HKDF-derived key, not with JWT_SECRET", async () => {
    const url = new URL(signedFileUrl(env, 42), BASE);
    const exp = url.searchParams.get("exp")!;
    const hmac = async (key: BufferSource) => {
      const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const sig = await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(`42.${exp}`));
      return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, "0")).join("");
    };
    const ikm = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.JWT_SECRET), "HKDF", false, ["deriveBits"]);
    const derived = await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("edge-chat/media-url/v1") },
      ikm,
      256,
    );
    expect(url.searchParams.get("sig")).toBe(await hmac(derived));
    expect(url.searchParams.get("sig")).not.toBe(await hmac(new TextEncoder().encode(env.JWT_SECRET)));
  });
});
