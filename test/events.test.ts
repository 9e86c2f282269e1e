// Client events (/events): report, exactly once with client_id, read back with filters; admins
// read anyone's; bad input gets 400 and stores nothing.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, expectError, join, makeAdmin, registerUser } from "./helpers";

describe("/events", () => {
  it("records reports, retries exactly once, and lists your own newest first with filters", async () => {
    const [me, other] = await Promise.all([registerUser("ev"), registerUser("ev")]);
    const room = await createRoom(other, { require_approval: false });
    await join(room, other, me);
    const report = (body: Record<string, unknown>, who = me) => api("POST", "/events", { token: who.token, body });

    const checkIn = await report({ type: "check_in", payload: { lat: 1.5, note: "gate 3" }, room_id: room.id, client_id: "ci-1" });
    expect(checkIn.status, JSON.stringify(checkIn.json)).toBe(201);
    expect(checkIn.json).toEqual({
      id: expect.any(Number),
      user_id: me.id,
      type: "check_in",
      payload: { lat: 1.5, note: "gate 3" },
      room_id: room.id,
      client_id: "ci-1",
      created_at: expect.stringMatching(/Z$/),
    });
    // The same report again: the first one back (200), nothing new; different content: 409.
    const again = await report({ type: "check_in", payload: { lat: 1.5, note: "gate 3" }, room_id: room.id, client_id: "ci-1" });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(checkIn.json.id);
    expectError(await report({ type: "check_in", payload: { lat: 2 }, room_id: room.id, client_id: "ci-1" }), 409, "client_id_conflict");
    const alarm = await report({ type: "alarm.smoke" });
    expect(alarm.status).toBe(201);
    await report({ type: "check_in" }, other);

    const mine = await api("GET", "/events", { token: me.token });
    expect(mine.json.map((e: any) => e.id)).toEqual([alarm.json.id, checkIn.json.id]);
    expect((await api("GET", "/events?type=check_in", { token: me.token })).json.map((e: any) => e.id)).toEqual([checkIn.json.id]);
    expect((await api("GET", `/events?before=${alarm.json.id}`, { token: me.token })).json.map((e: any) => e.id)).toEqual([checkIn.json.id]);
    expect((await api("GET", "/events?since=2999-01-01T00:00:00Z", { token: me.token })).json).toEqual([]);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE user_id = ?").bind(me.id).first<{ n: number }>();
    expect(stored!.n).toBe(2);
  });

  it("at most 60 reports a minute per user (429 with Retry-After); a retry of a recorded one still answers", async () => {
    const me = await registerUser("ev");
    const first = await api("POST", "/events", { token: me.token, body: { type: "tick", client_id: "t-0" } });
    expect(first.status).toBe(201);
    const stmt = env.DB.prepare("INSERT INTO events (user_id, type) VALUES (?, 'tick')");
    await env.DB.batch(Array.from({ length: 59 }, () => stmt.bind(me.id)));
    const limited = await api("POST", "/events", { token: me.token, body: { type: "tick" } });
    expectError(limited, 429, "rate_limited");
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect((await api("POST", "/events", { token: me.token, body: { type: "tick", client_id: "t-0" } })).status).toBe(200);
    // A minute later the window has moved on.
    await env.DB.prepare("UPDATE events SET created_at = ? WHERE user_id = ?").bind(new Date(Date.now() - 61_000).toISOString(), me.id).run();
    expect((await api("POST", "/events", { token: me.token, body: { type: "tick" } })).status).toBe(201);
  });

  it("system admins read anyone's; others get 403 for someone else's", async () => {
    const [me, admin] = await Promise.all([registerUser("ev"), registerUser("ev")]);
    await makeAdmin(admin);
    await api("POST", "/events", { token: me.token, body: { type: "alarm" } });
    expectError(await api("GET", `/events?user_id=${admin.id}`, { token: me.token }), 403);
    expectError(await api("GET", "/events?all_users=true", { token: me.token }), 403);
    expect((await api("GET", `/events?user_id=${me.id}`, { token: admin.token })).json.map((e: any) => e.type)).toEqual(["alarm"]);
    expect((await api("GET", "/events?all_users=true&type=alarm&limit=100", { token: admin.token })).json.some((e: any) => e.user_id === me.id)).toBe(true);
    expect((await api("GET", `/events?user_id=${me.id}`, { token: me.token })).status).toBe(200);
  });

  it("400 for bad types, payloads, rooms and queries; 403 for a room you are not in; 401 without a token; nothing stored", async () => {
    const [me, other] = await Promise.all([registerUser("ev"), registerUser("ev")]);
    const notMine = await createRoom(other);
    for (const body of [
      {},
      { type: "" },
      { type: "Has Spaces" },
      { type: "x".repeat(65) },
      { type: "ok", payload: [1, 2] },
      { type: "ok", payload: "text" },
      { type: "ok", room_id: "1" },
      { type: "ok", client_id: "has space" },
      { type: "ok", extra: 1 },
    ])
      expectError(await api("POST", "/events", { token: me.token, body }), 400, "invalid_request");
    expectError(await api("POST", "/events", { token: me.token, body: { type: "big", payload: { blob: "x".repeat(8_001) } } }), 400, "payload_too_large");
    expectError(await api("POST", "/events", { token: me.token, body: { type: "ok", room_id: notMine.id } }), 403, "not_a_member");
    expectError(await api("POST", "/events", { token: me.token, body: { type: "ok", room_id: 999_999_999 } }), 404);
    for (const qs of ["?limit=0", "?limit=101", "?type=BAD", "?before=0", "?since=yesterday", "?user_id=abc"])
      expectError(await api("GET", `/events${qs}`, { token: me.token }), 400, "invalid_request");
    expectError(await api("POST", "/events", { body: { type: "ok" } }), 401);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE user_id = ?").bind(me.id).first<{ n: number }>();
    expect(stored!.n).toBe(0);
  });
});
