// Presence across rooms (GET /users/status, GET /users/online) and chat statistics (GET /stats),
// both read from what the room objects write behind to D1 with their summary.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, BASE, flushRoom, createRoom, expectError, join, makeAdmin, registerUser, type TestUser } from "./helpers";
import { connect, type Client } from "./ws";

/** The room's summary alarm, which writes presence and counts behind to D1 (normally ~1 s later). */
const flush = async (roomId: number) => expect(await flushRoom(roomId)).toBe(true);
const status = (u: TestUser, ids: (number | string)[]) => api("GET", `/users/status?ids=${ids.join(",")}`, { token: u.token });
const online = async (u: TestUser) => ((await api("GET", "/users/online?limit=100", { token: u.token })).json as { id: number }[]).map((x) => x.id).sort();

async function roomOf(owner: TestUser, ...others: TestUser[]) {
  const room = await createRoom(owner, { require_approval: false });
  for (const u of others) await join(room, owner, u);
  return room;
}

describe("presence", () => {
  it("users see each other online only while they share an active room and no block", async () => {
    const [me, mate, stranger, blocker, elsewhere] = await Promise.all(["me", "mate", "str", "blk", "els"].map((p) => registerUser(p)));
    const shared = await roomOf(me, mate, blocker);
    const other = await roomOf(stranger, elsewhere);
    expect((await api("POST", `/users/${me.id}/block`, { token: blocker.token })).status).toBe(200);

    const sockets: Client[] = await Promise.all([connect(shared.id, mate.token), connect(shared.id, blocker.token), connect(other.id, stranger.token)]);
    await flush(shared.id);
    await flush(other.id);

    const res = await status(me, [mate.id, stranger.id, blocker.id, me.id, 999999999]);
    expect(res.status).toBe(200);
    expect(res.json.map(({ user_id, online }: any) => ({ user_id, online }))).toEqual([
      { user_id: mate.id, online: true },
      { user_id: stranger.id, online: null },
      { user_id: blocker.id, online: null },
      { user_id: me.id, online: false },
    ]);
    // Where presence is not shown, neither is the last-seen time.
    expect(res.json[1].last_seen_at).toBeNull();
    expect(res.json[2].last_seen_at).toBeNull();
    expect(await online(me)).toEqual([mate.id]);
    // The other side sees the same rule: the stranger's roommate sees them, I do not.
    expect(await online(elsewhere)).toEqual([stranger.id]);

    // Last socket closed: offline once the room writes it behind.
    sockets[0].close();
    await sockets[0].waitClosed();
    await new Promise((r) => setTimeout(r, 50));
    await flush(shared.id);
    expect((await status(me, [mate.id])).json).toMatchObject([{ user_id: mate.id, online: false }]);
    expect(await online(me)).toEqual([]);
    sockets.slice(1).forEach((s) => s.close());
  });

  it("a member removed from the room stops counting as online there", async () => {
    const [owner, member] = await Promise.all([registerUser("own"), registerUser("mem")]);
    const room = await roomOf(owner, member);
    const socket = await connect(room.id, member.token);
    await flush(room.id);
    expect(await online(owner)).toEqual([member.id]);
    expect((await api("DELETE", `/chat-rooms/${room.id}/members/${member.id}`, { token: owner.token })).status).toBe(204);
    expect((await socket.waitClosed()).code).toBe(4003);
    await flush(room.id);
    const flag = await env.DB.prepare("SELECT online FROM room_members WHERE room_id = ? AND user_id = ?").bind(room.id, member.id).first<{ online: number }>();
    expect(flag?.online).toBe(0);
    expect(await online(owner)).toEqual([]);
  });

  it("a heartbeat keeps a REST-only client online for 60 s; a user socket counts too; both set last_seen_at", async () => {
    const [me, rest, hubUser, stranger] = await Promise.all(["me", "rest", "hub", "str"].map((p) => registerUser(p)));
    await roomOf(me, rest, hubUser);
    expect(await online(me)).toEqual([]);

    const beat = await api("POST", "/users/me/heartbeat", { token: rest.token });
    expect(beat.status).toBe(200);
    expect(beat.json).toEqual({ status: "ok", timestamp: expect.stringMatching(/Z$/) });
    const res = await exports.default.fetch(`${BASE}/realtime/ws?token=${hubUser.token}`, { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(101);
    res.webSocket!.accept();

    expect(await online(me)).toEqual([rest.id, hubUser.id].sort());
    const both = (await status(me, [rest.id, hubUser.id])).json;
    expect(both.map((s: any) => s.online)).toEqual([true, true]);
    expect(both[0].last_seen_at).toBe(beat.json.timestamp);
    expect(both[1].last_seen_at).toMatch(/Z$/);
    // Someone who shares no room with them still sees nothing.
    expect((await status(stranger, [rest.id])).json[0]).toEqual({ user_id: rest.id, online: null, last_seen_at: null });

    // A heartbeat older than the window no longer counts; the last-seen time stays.
    await env.DB.prepare("UPDATE users SET heartbeat_at = ?, last_seen_at = ? WHERE id = ?").bind(new Date(Date.now() - 61_000).toISOString(), new Date(Date.now() - 61_000).toISOString(), rest.id).run();
    expect(await online(me)).toEqual([hubUser.id]);
    expect((await status(me, [rest.id])).json[0]).toMatchObject({ online: false, last_seen_at: expect.stringMatching(/Z$/) });
    // Closing the user socket ends it at once (the close is a last-seen time, not a heartbeat).
    res.webSocket!.close(1000);
    await expect.poll(async () => (await online(me)).length).toBe(0);
    expect((await status(me, [hubUser.id])).json[0]).toMatchObject({ online: false, last_seen_at: expect.stringMatching(/Z$/) });
    expectError(await api("POST", "/users/me/heartbeat"), 401);
  });

  it("400 for bad id lists, 401 without a token", async () => {
    const me = await registerUser("me");
    for (const ids of [[""], ["abc"], [0], [-3], ["1.5"], ["0x10"], ["1e2"], [1, ""], Array.from({ length: 101 }, (_, i) => i + 1)])
      expectError(await status(me, ids), 400, "invalid_request");
    expectError(await api("GET", "/users/status"), 401);
    expectError(await api("GET", "/users/online"), 401);
  });
});

describe("GET /users/{id}/connection", () => {
  it("shows the last login's address, client and time to the user and to system admins only", async () => {
    const [u, other, admin] = await Promise.all([registerUser("cn"), registerUser("cn"), registerUser("cn")]);
    await makeAdmin(admin);
    const login = await api("POST", "/auth/login", {
      body: { username: u.username, password: "password123" },
      headers: { "CF-Connecting-IP": "203.0.113.7", "User-Agent": "EdgeChatTest/1.0" },
    });
    expect(login.status).toBe(200);
    await api("POST", "/users/me/heartbeat", { token: u.token });
    const mine = await api("GET", `/users/${u.id}/connection`, { token: u.token });
    expect(mine.status).toBe(200);
    expect(mine.json).toEqual({ user_id: u.id, ip: "203.0.113.7", user_agent: "EdgeChatTest/1.0", login_time: expect.stringMatching(/Z$/), last_activity: expect.stringMatching(/Z$/) });
    expect((await api("GET", `/users/${u.id}/connection`, { token: admin.token })).json.ip).toBe("203.0.113.7");
    expectError(await api("GET", `/users/${u.id}/connection`, { token: other.token }), 403);
    expectError(await api("GET", "/users/999999999/connection", { token: admin.token }), 404, "user_not_found");
    expectError(await api("GET", `/users/${u.id}/connection`), 401);
  });
});

describe("GET /stats", () => {
  it("counts users online anywhere, messages today and rooms active today", async () => {
    const [a, b] = await Promise.all([registerUser("sa"), registerUser("sb")]);
    const before = (await api("GET", "/stats", { token: a.token })).json;
    expect(before.day).toBe(new Date().toISOString().slice(0, 10));
    const room = await roomOf(a, b);
    const socket = await connect(room.id, b.token);
    for (let i = 0; i < 3; i++) expect((await api("POST", `/chat-rooms/${room.id}/messages`, { token: a.token, body: { content_text: `m${i}` } })).status).toBe(200);
    await flush(room.id);
    const after = (await api("GET", "/stats", { token: a.token })).json;
    expect(after.total_messages_today - before.total_messages_today).toBe(3);
    expect(after.active_rooms - before.active_rooms).toBe(1);
    expect(after.online_users_count - before.online_users_count).toBe(1);
    // More messages the same day add to the room's count; they do not count the room twice.
    expect((await api("POST", `/chat-rooms/${room.id}/messages`, { token: b.token, body: { content_text: "m3" } })).status).toBe(200);
    await flush(room.id);
    const later = (await api("GET", "/stats/", { token: a.token })).json;
    expect(later.total_messages_today - before.total_messages_today).toBe(4);
    expect(later.active_rooms - before.active_rooms).toBe(1);
    socket.close();
    expectError(await api("GET", "/stats"), 401);
  });

  it("GET /chat-rooms/{id}/stats: one room's members, admins, online members and messages, for its members", async () => {
    const [owner, member, admin, outsider] = await Promise.all(["so", "sm", "sa", "sx"].map((p) => registerUser(p)));
    const room = await roomOf(owner, member, admin);
    expect((await api("PUT", `/chat-rooms/${room.id}/members/${admin.id}/set-role`, { token: owner.token, body: { role: "admin" } })).status).toBe(200);
    const socket = await connect(room.id, member.token);
    for (let i = 0; i < 4; i++) await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: `s${i}` } });
    await flush(room.id);
    const res = await api("GET", `/chat-rooms/${room.id}/stats`, { token: member.token });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      room_id: room.id,
      members_count: 3,
      admins_count: 2,
      online_members_count: 1,
      messages_total: 4,
      messages_today: 4,
      last_activity_at: expect.stringMatching(/Z$/),
      created_at: expect.any(String),
      day: new Date().toISOString().slice(0, 10),
    });
    expectError(await api("GET", `/chat-rooms/${room.id}/stats`, { token: outsider.token }), 403, "not_a_member");
    expectError(await api("GET", "/chat-rooms/999999999/stats", { token: owner.token }), 404);
    expectError(await api("GET", `/chat-rooms/${room.id}/stats`), 401);
    socket.close();
  });
});
