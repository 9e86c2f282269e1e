// CORS: allowed origins get the headers (on success and error answers alike), others get none,
// preflights answer for every path, and a malformed Origin is never a 5xx.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { EXPOSED_HEADERS, parseAllowedOrigins } from "../src/http/cors";
import { api, createRoom, registerUser } from "./helpers";

const APP = "https://app.example.com";
const CORS_HEADERS = ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers", "access-control-expose-headers", "access-control-max-age", "access-control-allow-credentials"];
const corsOf = (h: Headers) => CORS_HEADERS.filter((k) => h.has(k));
const exposed = (h: Headers) => (h.get("Access-Control-Expose-Headers") ?? "").split(",").map((s) => s.trim().toLowerCase());

describe("CORS", () => {
  it("an allowed origin reads answers and the headers the API sets, on errors too", async () => {
    const u = await registerUser("cors");
    const room = await createRoom(u);
    await api("POST", `/chat-rooms/${room.id}/messages`, { token: u.token, body: { content_text: "hi" } });
    const page = await api("GET", `/chat-rooms/${room.id}/messages?after=0`, { token: u.token, headers: { Origin: APP } });
    expect(page.status).toBe(200);
    expect(page.headers.get("Access-Control-Allow-Origin")).toBe(APP);
    expect(page.headers.get("Vary")).toMatch(/Origin/);
    // Every custom header on this answer is readable by the page.
    // (Security headers such as X-Content-Type-Options are for the browser, not for the page to read.)
    const security = new Set(["x-content-type-options", "x-frame-options", "x-xss-protection", "x-dns-prefetch-control", "x-download-options", "x-permitted-cross-domain-policies"]);
    const custom = [...page.headers.keys()].filter((k) => (k.startsWith("x-") && !security.has(k)) || k === "retry-after");
    expect(custom).toEqual(expect.arrayContaining(["x-last-message-id"]));
    for (const k of custom) expect(exposed(page.headers)).toContain(k);
    for (const k of ["retry-after", "x-history-gap", "x-last-message-id", "x-next-cursor"]) expect(exposed(page.headers)).toContain(k);
    // The list configured with a trailing slash and spaces still matches the browser's spelling.
    const local = await api("GET", "/health", { headers: { Origin: "http://localhost:5173" } });
    expect(local.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");

    const unauthorized = await api("GET", "/users/me", { headers: { Origin: APP } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("Access-Control-Allow-Origin")).toBe(APP);
    const missing = await api("GET", "/nope", { headers: { Origin: APP } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("Access-Control-Allow-Origin")).toBe(APP);
  });

  it("a 429's Retry-After is readable cross-origin", async () => {
    const me = await registerUser("cors");
    const stmt = env.DB.prepare("INSERT INTO events (user_id, type) VALUES (?, 'tick')");
    await env.DB.batch(Array.from({ length: 60 }, () => stmt.bind(me.id)));
    const limited = await api("POST", "/events", { token: me.token, body: { type: "tick" }, headers: { Origin: APP } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(limited.headers.get("Access-Control-Allow-Origin")).toBe(APP);
    expect(exposed(limited.headers)).toContain("retry-after");
  });

  it("a disallowed origin gets no CORS header, and the request is served as without one", async () => {
    const u = await registerUser("cors");
    const me = await api("GET", "/users/me", { token: u.token, headers: { Origin: "https://evil.example.net" } });
    expect(me.status).toBe(200);
    expect(corsOf(me.headers)).toEqual([]);
    expect(me.headers.get("Vary")).toMatch(/Origin/);
    // Close but different spellings are different origins.
    for (const origin of ["https://app.example.com.evil.net", "http://app.example.com", "https://app.example.com:8443", "null"]) {
      const res = await api("GET", "/health", { headers: { Origin: origin } });
      expect(res.status).toBe(200);
      expect(corsOf(res.headers), origin).toEqual([]);
    }
    const pre = await api("OPTIONS", "/users/me", { headers: { Origin: "https://evil.example.net", "Access-Control-Request-Method": "GET" } });
    expect(pre.status).toBeLessThan(500);
    expect(corsOf(pre.headers)).toEqual([]);
    // Without an Origin (curl, servers) nothing changes either.
    expect(corsOf((await api("GET", "/health")).headers)).toEqual([]);
  });

  it("preflights answer for every route, with the custom headers asked for", async () => {
    const u = await registerUser("cors");
    const room = await createRoom(u);
    for (const [method, path] of [
      ["POST", `/chat-rooms/${room.id}/messages`],
      ["PATCH", "/users/me"],
      ["DELETE", `/chat-rooms/${room.id}`],
      ["POST", "/auth/login"],
      ["PUT", "/users/me/avatar"],
      ["GET", "/no-such-route"],
    ]) {
      const pre = await api("OPTIONS", path, {
        headers: { Origin: APP, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization, content-type, x-client-trace" },
      });
      expect(pre.status, path).toBe(204);
      expect(pre.headers.get("Access-Control-Allow-Origin")).toBe(APP);
      expect(pre.headers.get("Access-Control-Allow-Methods")?.split(",")).toContain(method);
      expect(pre.headers.get("Access-Control-Allow-Headers")?.toLowerCase().split(",")).toEqual(
        expect.arrayContaining(["authorization", "content-type", "x-client-trace"]),
      );
      expect(Number(pre.headers.get("Access-Control-Max-Age"))).toBeGreaterThan(0);
    }
    // The preflight was only a question: the room is still there.
    expect((await api("GET", `/chat-rooms/${room.id}`, { token: u.token })).status).toBe(200);
  });

  it("bad Origin values are never a 5xx", async () => {
    for (const origin of ["", " ", "*", "not a url", "https://", "https://app.example.com/path?q=1", "x".repeat(4000), "https://xn--4ca.example", "%00"]) {
      for (const method of ["GET", "OPTIONS"]) {
        const res = await api(method, "/health", { headers: { Origin: origin, "Access-Control-Request-Method": "GET" } });
        expect(res.status, `${method} ${origin.slice(0, 20)}`).toBeLessThan(500);
        expect(res.headers.get("Access-Control-Allow-Origin") ?? null).toBeNull();
      }
    }
  });

  it('"*" (the default) allows any origin; a WebSocket upgrade is left alone', async () => {
    const app = buildApp();
    const anyEnv = { ...env, ALLOWED_ORIGINS: "*" };
    const res = await app.fetch(new Request("http://edge.test/api/v1/health", { headers: { Origin: "https://anywhere.example" } }), anyEnv);
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("https://anywhere.example");
    const u = await registerUser("cors");
    const room = await createRoom(u);
    const ws = await app.fetch(
      new Request(`http://edge.test/api/v1/chat-rooms/${room.id}/ws?token=${u.token}`, { headers: { Upgrade: "websocket", Origin: APP } }),
      anyEnv,
    );
    expect(ws.status).toBe(101);
    expect(corsOf(ws.headers)).toEqual([]);
    ws.webSocket!.accept();
    ws.webSocket!.close(1000, "bye");
    expect(parseAllowedOrigins(undefined)).toBe("*");
    expect(parseAllowedOrigins(" https://A.example/ ,http://b.example")).toEqual(new Set(["https://a.example", "http://b.example"]));
    expect(EXPOSED_HEADERS).toEqual(expect.arrayContaining(["Retry-After", "X-History-Gap", "X-Last-Message-Id"]));
  });
});
