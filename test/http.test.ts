import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import pkg from "../package.json";
import { api, BASE, createRoom, expectError, registerUser, uniq } from "./helpers";

const ROOT = BASE.replace("/api/v1", "");
const roomsNamed = async (name: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM rooms WHERE lower(name) = lower(?)").bind(name).first<{ n: number }>())!.n;

describe("errors are JSON {detail, code}", () => {
  it("unknown routes are a JSON 404", async () => {
    const u = await registerUser("h");
    // Paths outside the API are the web app's (its own 404 is client-side): see "discovery".
    for (const path of [`${ROOT}/api/nope`, `${BASE}/nope`, `${BASE}/chat-rooms/1/nope`, `${BASE}/users/me/nope`]) {
      const res = await api("GET", path, { token: u.token });
      expectError(res, 404, "not_found");
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
    }
  });

  it("a known path with another method is a 405 with Allow", async () => {
    const u = await registerUser("h");
    const room = await createRoom(u);
    const patch = await api("PATCH", `/chat-rooms/${room.id}`, { token: u.token, body: {} });
    expectError(patch, 405, "method_not_allowed");
    const allow = patch.headers.get("Allow")?.split(/,\s*/) ?? [];
    expect(allow).toEqual(expect.arrayContaining(["DELETE", "GET", "PUT"]));
    expect(allow).not.toContain("PATCH");
    const reg = await api("GET", "/auth/register");
    expectError(reg, 405, "method_not_allowed");
    expect(reg.headers.get("Allow")).toBe("POST");
    const alias = await api("POST", `/chatrooms/${room.id}`, { token: u.token, body: {} });
    expectError(alias, 405, "method_not_allowed");
  });

  it("malformed JSON is a 400 and changes nothing", async () => {
    const u = await registerUser("h");
    const name = uniq("mal");
    for (const raw of [`{"name": "${name}"`, "not json", `{"name": '${name}'}`]) {
      const res = await api("POST", "/chat-rooms/", { token: u.token, raw, headers: { "Content-Type": "application/json" } });
      expectError(res, 400, "malformed_json");
    }
    expectError(await api("POST", "/auth/register", { raw: "{", headers: { "Content-Type": "application/json" } }), 400, "malformed_json");
    expect(await roomsNamed(name)).toBe(0);
  });

  it("a JSON body of the wrong shape (array, string, null) is a 400", async () => {
    const u = await registerUser("h");
    for (const body of [[], "room", null, 42]) {
      expectError(await api("POST", "/chat-rooms/", { token: u.token, body }), 400, "invalid_request");
    }
  });

  it("a body that is not JSON is a 415 and changes nothing", async () => {
    const u = await registerUser("h", { display_name: "Before" });
    const name = uniq("ct");
    const asText = { raw: JSON.stringify({ name }), headers: { "Content-Type": "text/plain" } };
    expectError(await api("POST", "/chat-rooms/", { token: u.token, ...asText }), 415, "unsupported_media_type");
    const asForm = { raw: `name=${name}`, headers: { "Content-Type": "application/x-www-form-urlencoded" } };
    expectError(await api("POST", "/chat-rooms/", { token: u.token, ...asForm }), 415, "unsupported_media_type");
    expect(await roomsNamed(name)).toBe(0);
    const patch = { raw: JSON.stringify({ display_name: "After" }), headers: { "Content-Type": "text/plain" } };
    expectError(await api("PATCH", "/users/me", { token: u.token, ...patch }), 415, "unsupported_media_type");
    expect((await api("GET", "/users/me", { token: u.token })).json.display_name).toBe("Before");
    const room = await createRoom(u);
    const other = await registerUser("h");
    expectError(
      await api("POST", `/chat-rooms/${room.id}/join-request`, { token: other.token, raw: "hello", headers: { "Content-Type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
  });

  it("a body over 1 MiB is a 413 and changes nothing", async () => {
    const u = await registerUser("h");
    const name = uniq("big");
    const res = await api("POST", "/chat-rooms/", { token: u.token, body: { name, description: "x".repeat(1024 * 1024 + 1) } });
    expectError(res, 413, "payload_too_large");
    expect(await roomsNamed(name)).toBe(0);
    // Also when the client streams the body without a Content-Length.
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode(`{"name":"${name}","description":"`));
        if (sent++ < 20) controller.enqueue(chunk);
        else {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        }
      },
    });
    const streamed = await exports.default.fetch(`${BASE}/chat-rooms/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${u.token}`, "Content-Type": "application/json" },
      body: stream,
    });
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ code: "payload_too_large" });
    expect(await roomsNamed(name)).toBe(0);
  });

  it("/chatrooms/<not an id> is a 400 or 404, never a 500", async () => {
    const u = await registerUser("h");
    const bad = ["abc", "1.5", "-1", "0", "%20", "1e5", "0x10", "%00", "9999999999999999", "99999999999999999999", "1;DROP TABLE rooms", "%F0%9F%92%A9"];
    for (const id of bad) {
      for (const [method, suffix, body] of [
        ["GET", "", undefined],
        ["PUT", "", { description: "x" }],
        ["DELETE", "", undefined],
        ["GET", "/members", undefined],
        ["POST", "/join-request", {}],
        ["POST", "/leave", undefined],
      ] as const) {
        const res = await api(method, `/chatrooms/${id}${suffix}`, { token: u.token, body });
        expect([400, 404], `${method} ${id}${suffix}: ${res.status} ${JSON.stringify(res.json)}`).toContain(res.status);
        expectError(res, res.status);
      }
    }
    expect((await env.DB.prepare("SELECT count(*) AS n FROM rooms").first<{ n: number }>())!.n).toBeGreaterThan(0);
  });
});

describe("paths", () => {
  it("a trailing slash is optional", async () => {
    const u = await registerUser("h");
    const room = await createRoom(u);
    for (const path of ["/users/me", "/chat-rooms", `/chat-rooms/${room.id}`, `/chat-rooms/${room.id}/members`, "/users/me/following"]) {
      const a = await api("GET", path, { token: u.token });
      const b = await api("GET", `${path}/`, { token: u.token });
      expect(a.status, path).toBe(200);
      expect(b.status, `${path}/`).toBe(200);
      expect(b.json).toEqual(a.json);
    }
    const created = await api("POST", "/chat-rooms", { token: u.token, body: { name: uniq("noslash") } });
    expect(created.status).toBe(200);
    expect((await api("POST", "/auth/login/", { body: { username: u.username, password: "password123" } })).status).toBe(200);
  });

  it("/chatrooms/... is the same route as /chat-rooms/...", async () => {
    const u = await registerUser("h");
    const room = await createRoom(u);
    for (const suffix of [`/${room.id}`, `/${room.id}/members`, `/${room.id}/join-requests`, "/?current_user_only=true", ""]) {
      const a = await api("GET", `/chat-rooms${suffix}`, { token: u.token });
      const b = await api("GET", `/chatrooms${suffix}`, { token: u.token });
      expect(a.status, suffix).toBe(200);
      expect(b.json, suffix).toEqual(a.json);
    }
    const renamed = await api("PUT", `/chatrooms/${room.id}`, { token: u.token, body: { description: "via alias" } });
    expect(renamed.status).toBe(200);
    expect((await api("GET", `/chat-rooms/${room.id}`, { token: u.token })).json.description).toBe("via alias");
    expect((await api("POST", "/chatrooms/", { token: u.token, body: { name: uniq("alias") } })).status).toBe(200);
    // Only the exact segment is an alias.
    expectError(await api("GET", "/chatroomsx", { token: u.token }), 404);
  });
});

describe("discovery", () => {
  it("GET /api/v1 names the service and links to the docs", async () => {
    for (const path of ["/api/v1", "/api/v1/"]) {
      const res = await api("GET", `${ROOT}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.json).toMatchObject({ version: pkg.version, docs: "/api/v1/docs", openapi: "/api/v1/openapi.json" });
      expect(typeof res.json.name).toBe("string");
    }
  });

  it("GET / and the app's own pages are the web app; unknown API paths stay JSON 404s", async () => {
    for (const path of ["/", "/rooms/12", "/browse"]) {
      const res = await api("GET", `${ROOT}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(res.json, path).toContain('<div id="app">');
    }
    // (/user/... is document 004's, whose 404 is its own envelope: test/dialect-004.test.ts.)
    for (const path of ["/api/v1/nope", "/api/other", "/ws/nope/x/y", "/realtime/nope"]) expectError(await api("GET", `${ROOT}${path}`), 404, "not_found");
    expectError(await api("POST", `${ROOT}/rooms/12`), 404, "not_found");
  });

  it("the OpenAPI document lists every route", async () => {
    const res = await api("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.json.openapi).toMatch(/^3\./);
    const routes = [
      "post /auth/register",
      "post /auth/login",
      "post /auth/login/access-token",
      "get /users/me",
      "patch /users/me",
      "delete /users/me",
      "post /users/me/password",
      "get /users/search",
      "get /users/{user_id}",
      "post /users/{user_id}/follow",
      "delete /users/{user_id}/unfollow",
      "get /users/me/following",
      "get /users/me/followers",
      "post /chat-rooms",
      "get /chat-rooms",
      "get /chat-rooms/{room_id}",
      "put /chat-rooms/{room_id}",
      "delete /chat-rooms/{room_id}",
      "post /chat-rooms/{room_id}/join-request",
      "get /chat-rooms/{room_id}/join-requests",
      "post /chat-rooms/join-requests/{request_id}/process",
      "get /chat-rooms/{room_id}/members",
      "put /chat-rooms/{room_id}/members/{member_id}/set-role",
      "delete /chat-rooms/{room_id}/members/{member_id}",
      "post /chat-rooms/{room_id}/leave",
      "post /chat-rooms/{room_id}/transfer-owner",
    ];
    const paths = res.json.paths as Record<string, Record<string, unknown>>;
    const listed = new Set(Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p.replace(/^\/api\/v1/, "").replace(/(.)\/$/, "$1")}`)));
    for (const r of routes) expect(listed, r).toContain(r);
    // Every operation documents its answers, and the error body is a shared component.
    for (const ops of Object.values(paths)) for (const op of Object.values(ops) as { responses: object }[]) expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    expect(res.json.components.schemas).toHaveProperty("Error");
    expect(res.json.components.schemas).toHaveProperty("ChatRoomResponse");
  });

  it("the docs page is served", async () => {
    const res = await exports.default.fetch(`${BASE}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/swagger/i);
    expect(html).toContain("/api/v1/openapi.json");
  });
});
