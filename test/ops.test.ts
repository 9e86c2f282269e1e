// The operator's view: request ids on every response and in error bodies, one JSON log line per
// request without secrets, and a health check that fails when D1 or the room objects do.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import pkg from "../package.json";
import { api, BASE, createRoom, expectError, registerUser } from "./helpers";

/** The real worker, with bindings the test may swap for failing ones. */
async function call(path: string, init: RequestInit = {}, bindings: Partial<Env> = {}) {
  const ctx = createExecutionContext();
  const req = new Request(`${BASE}${path}`, init) as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch(req, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

afterEach(() => vi.restoreAllMocks());

describe("request ids", () => {
  it("every response carries one, errors echo it as request_id, and cf-ray is used when present", async () => {
    const ok = await api("GET", "/");
    expect(ok.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
    const other = await api("GET", "/");
    expect(other.headers.get("x-request-id")).not.toBe(ok.headers.get("x-request-id"));

    const missing = await api("GET", "/no/such/route");
    expectError(missing, 404, "not_found");
    expect(missing.json.request_id).toBe(missing.headers.get("x-request-id"));

    const unauth = await api("GET", "/users/me", { headers: { "cf-ray": "8f3a1b2c3d4e5f60-AMS" } });
    expectError(unauth, 401, "unauthorized");
    expect(unauth.headers.get("x-request-id")).toBe("8f3a1b2c3d4e5f60-AMS");
    expect(unauth.json.request_id).toBe("8f3a1b2c3d4e5f60-AMS");

    const u = await registerUser("rid");
    const invalid = await api("POST", "/chat-rooms/", { token: u.token, body: { name: 42 } });
    expectError(invalid, 400, "invalid_request");
    expect(invalid.json.request_id).toBe(invalid.headers.get("x-request-id"));

    const wrongMethod = await api("PATCH", "/auth/login", { body: {} });
    expectError(wrongMethod, 405, "method_not_allowed");
    expect(wrongMethod.json.request_id).toBe(wrongMethod.headers.get("x-request-id"));
  });
});

describe("request log", () => {
  it("is one JSON line per request with the route pattern, user and room, and no token or query", async () => {
    const u = await registerUser("log");
    const room = await createRoom(u);
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const res = await call(`/chat-rooms/${room.id}/messages?limit=5&secret=hunter2`, { headers: { Authorization: `Bearer ${u.token}` } });
    expect(res.status).toBe(200);
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(logged).toHaveLength(1);
    const [entry] = logged;
    expect(entry).toMatchObject({
      level: "info",
      method: "GET",
      route: "/api/v1/chat-rooms/:room_id/messages",
      status: 200,
      user_id: u.id,
      room_id: room.id,
      request_id: res.headers.get("x-request-id"),
    });
    expect(entry.duration_ms).toBeGreaterThanOrEqual(0);
    const text = lines.join("\n");
    expect(text).not.toContain(u.token);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("limit=5");

    lines.length = 0;
    const login = await call("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: u.username, password: "password123" }),
    });
    expect(login.status).toBe(200);
    expect(lines.join("\n")).not.toContain("password123");
    expect(JSON.parse(lines.find((l) => l.includes('"request"'))!)).toMatchObject({ route: "/api/v1/auth/login", status: 200, user_id: null });

    // A refusal in middleware names the route it was for; an unknown path names none.
    lines.length = 0;
    await call("/users/me");
    await call("/no/such/route");
    expect(lines.map((l) => JSON.parse(l)).map((l) => [l.route, l.status])).toEqual([
      ["/api/v1/users/me", 401],
      [null, 404],
    ]);
  });
});

describe("health", () => {
  it("checks D1 and a room object and names the version", async () => {
    const res = await api("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "ok", version: pkg.version, checks: { d1: { ok: true }, room_object: { ok: true } } });
  });

  it("answers 503 when D1 fails", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const brokenDb = {
      prepare: () => {
        throw new Error("D1_ERROR: database unavailable");
      },
    } as unknown as D1Database;
    const res = await call("/health", {}, { DB: brokenDb });
    expect(res.status).toBe(503);
    const body = await res.json<any>();
    expect(body).toMatchObject({ status: "unavailable", version: pkg.version, checks: { d1: { ok: false }, room_object: { ok: true } } });
    expect(body.checks.d1.error).toContain("database unavailable");
  });

  it("answers 503 when the room object does not", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const rooms = env.ROOM;
    const brokenRooms = {
      idFromName: (name: string) => rooms.idFromName(name),
      get: () => ({
        ping: () => Promise.reject(new Error("Durable Object reset")),
      }),
    } as unknown as Env["ROOM"];
    const res = await call("/health", {}, { ROOM: brokenRooms });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "unavailable", checks: { d1: { ok: true }, room_object: { ok: false } } });
  });
});
