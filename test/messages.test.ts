// Message routes over REST: send, history paging, edit, delete, read positions and receipts,
// the room summary written behind to D1, and the history query's cost on a large room.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room/client";
import type { Room } from "../src/room/room";
import { api, flushRoom, createRoom, expectError, join, makeAdmin, registerUser, type TestUser } from "./helpers";
import { connect } from "./ws";

async function setup() {
  const owner = await registerUser("own");
  const member = await registerUser("mem");
  const admin = await registerUser("roomadm");
  const outsider = await registerUser("out");
  const sysadmin = await registerUser("sys");
  await makeAdmin(sysadmin);
  const room = await createRoom(owner, { require_approval: false });
  await join(room, owner, member);
  await join(room, owner, admin);
  await api("PUT", `/chat-rooms/${room.id}/members/${admin.id}/set-role`, { token: owner.token, body: { role: "admin" } });
  return { owner, member, admin, outsider, sysadmin, room };
}

const send = (u: TestUser, roomId: number, body: Record<string, unknown>) => api("POST", `/chatrooms/${roomId}/messages/`, { token: u.token, body });
const history = (u: TestUser, roomId: number, qs = "") => api("GET", `/chatrooms/${roomId}/messages/${qs}`, { token: u.token });

describe("POST /chatrooms/{id}/messages/", () => {
  it("lets the owner and active members post, not outsiders or non-member system admins", async () => {
    const { owner, member, outsider, sysadmin, room } = await setup();
    expect((await send(owner, room.id, { content_text: "from owner" })).status).toBe(200);
    const m = await send(member, room.id, { content: "alias works", reply_to: 1 });
    expect(m.status).toBe(200);
    expect(m.json).toMatchObject({ content_text: "alias works", reply_to_id: 1, message_type: "text", media_url: null, edited_at: null, deleted: false });
    expect(m.json.sent_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expectError(await send(outsider, room.id, { content_text: "x" }), 403, "not_a_member");
    expectError(await send(sysadmin, room.id, { content_text: "x" }), 403, "not_a_member");
    expectError(await api("POST", `/chatrooms/${room.id}/messages/`, { body: { content_text: "x" } }), 401);
    expectError(await send(owner, 999999, { content_text: "x" }), 404);
    expectError(await send(owner, "abc" as unknown as number, { content_text: "x" }), 400, "invalid_request");
  });

  it("refuses bad bodies with 400 and stores nothing", async () => {
    const { owner, room } = await setup();
    const bad: [Record<string, unknown>, string][] = [
      [{}, "empty_message"],
      [{ content_text: "" }, "empty_message"],
      [{ content_text: "x".repeat(5001) }, "invalid_request"],
      [{ content_text: 5 }, "invalid_request"],
      [{ content_text: "x", message_type: "sticker" }, "invalid_request"],
      [{ content_text: "x", message_type: "system" }, "invalid_request"],
      [{ content_text: "x", reply_to_id: 12345 }, "invalid_reply_to"],
      [{ content_text: "x", reply_to_id: 0 }, "invalid_request"],
      [{ content_text: "x", client_id: "x".repeat(65) }, "invalid_request"],
      [{ content_text: "x", unknown_field: 1 }, "invalid_request"],
      [{ message_type: "image" }, "media_required"],
    ];
    for (const [body, code] of bad) expectError(await send(owner, room.id, body), 400, code);
    const malformed = await api("POST", `/chatrooms/${room.id}/messages/`, { token: owner.token, raw: "{nope", headers: { "Content-Type": "application/json" } });
    expectError(malformed, 400);
    const h = await history(owner, room.id);
    expect(h.json).toEqual([]);
    expect(h.headers.get("X-Last-Message-Id")).toBe("0");
  });
});

describe("location messages", () => {
  const here = { latitude: 31.2304, longitude: 121.4737, name: "People's Square", address: "Huangpu, Shanghai" };

  it("a location message carries its place over REST, sockets and history, and goes when deleted", async () => {
    const { owner, member, room } = await setup();
    const watcher = await connect(room.id, member.token);
    const res = await send(owner, room.id, { message_type: "location", location: here, content_text: "meet here", client_id: "loc-1" });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ message_type: "location", location: here, content_text: "meet here", media_url: null, file_id: null });
    expect((await watcher.next("chat_message")).message.location).toEqual(here);
    // Over a socket too, with only coordinates: name and address come back null.
    watcher.send({ type: "chat_message", message_type: "location", location: { latitude: -33.8568, longitude: 151.2153 } });
    const bare = (await watcher.next("chat_message", (f) => f.message.sender_id === member.id)).message;
    expect(bare.location).toEqual({ latitude: -33.8568, longitude: 151.2153, name: null, address: null });
    const page = (await history(owner, room.id)).json;
    expect(page.map((m: { location: unknown }) => m.location)).toEqual([here, bare.location]);
    // A text message has no location.
    expect((await send(owner, room.id, { content_text: "plain" })).json.location).toBeNull();
    // The same client_id: the same place is a retry, another place a conflict.
    expect((await send(owner, room.id, { message_type: "location", location: here, content_text: "meet here", client_id: "loc-1" })).json.id).toBe(res.json.id);
    expectError(await send(owner, room.id, { message_type: "location", location: { ...here, latitude: 0 }, content_text: "meet here", client_id: "loc-1" }), 409, "client_id_conflict");
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${res.json.id}`, { token: owner.token })).status).toBe(204);
    expect((await api("GET", `/chat-rooms/${room.id}/messages/${res.json.id}`, { token: owner.token })).json).toMatchObject({ deleted: true, location: null });
    watcher.close();
  });

  it("refuses a location message without a place, a place on another type, media on a location, and bad coordinates", async () => {
    const { owner, room } = await setup();
    expectError(await send(owner, room.id, { message_type: "location" }), 400, "location_required");
    expectError(await send(owner, room.id, { content_text: "hi", location: here }), 400, "unexpected_location");
    expectError(await send(owner, room.id, { message_type: "location", location: here, media_url: "https://example.com/x.png" }), 400, "unexpected_media");
    for (const location of [{ ...here, latitude: 90.5 }, { ...here, longitude: -181 }, { latitude: "31", longitude: 121 }, { ...here, zoom: 3 }, { ...here, name: "" }, { longitude: 1 }])
      expectError(await send(owner, room.id, { message_type: "location", location }), 400, "invalid_request");
    const socket = await connect(room.id, owner.token);
    socket.send({ type: "chat_message", message_type: "location" });
    expect((await socket.next("error")).code).toBe("location_required");
    socket.send({ type: "chat_message", message_type: "location", location: { latitude: 100, longitude: 0 } });
    expect((await socket.next("error", (f) => f.code !== "location_required")).code).toBe("invalid_frame");
    expect((await history(owner, room.id)).json).toEqual([]);
    socket.close();
  });
});

describe("GET /chatrooms/{id}/messages/", () => {
  it("pages with limit/offset (newest page, oldest first) and before/after cursors", async () => {
    const { owner, member, sysadmin, outsider, room } = await setup();
    for (let i = 1; i <= 12; i++) expect((await send(owner, room.id, { content_text: `m${i}` })).status).toBe(200);
    const ids = (r: { json: any }) => r.json.map((m: any) => m.id);
    expect(ids(await history(member, room.id))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(ids(await history(member, room.id, "?limit=5"))).toEqual([8, 9, 10, 11, 12]);
    expect(ids(await history(member, room.id, "?limit=5&offset=5"))).toEqual([3, 4, 5, 6, 7]);
    expect(ids(await history(member, room.id, "?limit=5&offset=10"))).toEqual([1, 2]);
    expect(ids(await history(member, room.id, "?offset=50"))).toEqual([]);
    expect(ids(await history(member, room.id, "?before=4"))).toEqual([1, 2, 3]);
    expect(ids(await history(member, room.id, "?before=10&limit=3"))).toEqual([7, 8, 9]);
    expect(ids(await history(member, room.id, "?after=9"))).toEqual([10, 11, 12]);
    expect(ids(await history(member, room.id, "?after=2&limit=3"))).toEqual([3, 4, 5]);
    expect(ids(await history(member, room.id, "?after=2&before=6"))).toEqual([3, 4, 5]);
    expect(ids(await history(member, room.id, "?after=12"))).toEqual([]);
    expect(ids(await history(sysadmin, room.id, "?limit=1"))).toEqual([12]);
    expectError(await history(outsider, room.id), 403);
    expectError(await api("GET", `/chatrooms/${room.id}/messages/`), 401);
    expectError(await history(owner, 999999), 404);
    for (const qs of ["?limit=0", "?limit=101", "?limit=abc", "?offset=-1", "?before=-3", "?after=x", "?after=1e99", "?limit=1.5", "?limit=", "?after=0x10", "?before=1e3", "?offset= 1"])
      expectError(await history(member, room.id, qs), 400, "invalid_request");
  });

  it("reads O(limit) rows for a page of a room holding 100 000 messages, through the primary key", async () => {
    const owner = await registerUser("big");
    const room = await createRoom(owner);
    await send(owner, room.id, { content_text: "seed" });
    const stub = roomStub(env, room.id);
    const measured = await runInDurableObject(stub, (instance: Room, state) => {
      state.storage.sql.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
        INSERT INTO messages (sender_id, sender_name, content_text, message_type, sent_at)
        SELECT 1, 'bulk', 'bulk ' || i, 'text', '2026-01-01T00:00:00.000Z' FROM n`);
      const out: Record<string, { rows: number; plan: string }> = {};
      const cases = { newest: { limit: 50, offset: 0 }, deep: { limit: 50, offset: 60000 }, before: { limit: 50, offset: 0, before: 500 }, after: { limit: 50, offset: 0, after: 70000 } };
      for (const [name, q] of Object.entries(cases)) {
        const { sql, params } = instance.historyQuery(q).toSQL();
        const cursor = state.storage.sql.exec(sql, ...params);
        const rows = cursor.toArray().length;
        const plan = state.storage.sql.exec(`EXPLAIN QUERY PLAN ${sql}`, ...params).toArray().map((r) => String(r.detail)).join("; ");
        out[name] = { rows: cursor.rowsRead, plan };
        expect(rows).toBe(50);
      }
      return out;
    });
    for (const [name, m] of Object.entries(measured)) {
      expect(m.rows, name).toBeLessThanOrEqual(51);
      expect(m.plan, name).toMatch(/SEARCH messages USING INTEGER PRIMARY KEY/);
    }
    const page = await history(owner, room.id, "?limit=50&offset=60000");
    expect(page.json.map((m: any) => m.id)).toEqual(Array.from({ length: 50 }, (_, i) => 39952 + i));
    // Retention (HISTORY_RETENTION_MESSAGES = 100 000 in the tests) prunes the oldest on the summary alarm.
    expect(await flushRoom(room.id)).toBe(true);
    const after = await history(owner, room.id, "?after=0&limit=1");
    expect(after.headers.get("X-Oldest-Message-Id")).toBe("2");
    expect(after.headers.get("X-History-Gap")).toBe("1-1");
  });
});

describe("time-based retention (HISTORY_RETENTION_DAYS = 36 500 in the tests)", () => {
  it("an alarm waits for the oldest message to expire, then prunes what expired; resuming from before it gets a gap", async () => {
    const { owner, room } = await setup();
    for (const text of ["old one", "old two", "recent"]) await send(owner, room.id, { content_text: text });
    const stub = roomStub(env, room.id);
    expect(await flushRoom(room.id)).toBe(true);
    const DAY = 86_400_000;
    // With nothing else to do, the room's next alarm is its oldest message's expiry.
    const { alarm, sentAt } = await runInDurableObject(stub, async (_i: Room, state) => ({
      alarm: await state.storage.getAlarm(),
      sentAt: state.storage.sql.exec<{ sent_at: string }>("SELECT sent_at FROM messages ORDER BY id LIMIT 1").one().sent_at,
    }));
    expect(alarm).toBe(Date.parse(sentAt) + 36_500 * DAY);
    // The first two were sent a century and a day ago: the alarm prunes them, and only them.
    await runInDurableObject(stub, (_i: Room, state) => {
      state.storage.sql.exec("UPDATE messages SET sent_at = ? WHERE id <= 2", new Date(Date.now() - 36_501 * DAY).toISOString());
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const page = await history(owner, room.id, "?after=0");
    expect(page.json.map((m: any) => m.content_text)).toEqual(["recent"]);
    expect(page.headers.get("X-History-Gap")).toBe("1-2");
    expect(await runInDurableObject(stub, (instance: Room) => instance.pruneOlderThan(36_500))).toBe(0);
    // The next expiry is a quarter of an hour away: the room waits at least an hour, not a wake per message.
    const next = await runInDurableObject(stub, async (_i: Room, state) => {
      state.storage.sql.exec("UPDATE messages SET sent_at = ? WHERE id = 3", new Date(Date.now() - 36_500 * DAY + 15 * 60_000).toISOString());
      await state.storage.deleteAlarm();
      return null;
    });
    expect(next).toBeNull();
    // A socket connecting to a room without an alarm sets one (its presence summary first, then,
    // with nothing else due, retention's, an hour away).
    const c = await connect(room.id, owner.token);
    expect(await runInDurableObject(stub, (_i: Room, state) => state.storage.getAlarm())).not.toBeNull();
    expect(await flushRoom(room.id)).toBe(true);
    const alarmAfter = await runInDurableObject(stub, (_i: Room, state) => state.storage.getAlarm());
    expect(alarmAfter).toBeGreaterThanOrEqual(Date.now() + 59 * 60_000);
    expect(alarmAfter).toBeLessThanOrEqual(Date.now() + 61 * 60_000);
    c.close();
  });
});

describe("edit and delete", () => {
  it("the sender edits (message_updated); sender, room admins, owner and system admins delete (message_deleted)", async () => {
    const { owner, member, admin, outsider, sysadmin, room } = await setup();
    const watcher = await connect(room.id, owner.token);
    const msg = (await send(member, room.id, { content_text: "tpyo" })).json;
    const edited = await api("PATCH", `/chat-rooms/${room.id}/messages/${msg.id}`, { token: member.token, body: { content_text: "typo" } });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ id: msg.id, content_text: "typo" });
    expect(edited.json.edited_at).not.toBeNull();
    expect((await watcher.next("message_updated")).message.content_text).toBe("typo");
    expectError(await api("PATCH", `/chat-rooms/${room.id}/messages/${msg.id}`, { token: owner.token, body: { content_text: "mine now" } }), 403, "not_your_message");
    expectError(await api("PATCH", `/chat-rooms/${room.id}/messages/${msg.id}`, { token: member.token, body: { content_text: "" } }), 400, "empty_message");
    expectError(await api("PATCH", `/chat-rooms/${room.id}/messages/999`, { token: member.token, body: { content_text: "x" } }), 404, "message_not_found");

    const m2 = (await send(member, room.id, { content_text: "two" })).json;
    const m3 = (await send(member, room.id, { content_text: "three" })).json;
    const m4 = (await send(owner, room.id, { content_text: "four" })).json;
    expectError(await api("DELETE", `/chat-rooms/${room.id}/messages/${m4.id}`, { token: member.token }), 403, "not_your_message");
    expectError(await api("DELETE", `/chat-rooms/${room.id}/messages/${m4.id}`, { token: outsider.token }), 403);
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${msg.id}`, { token: member.token })).status).toBe(204);
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${m2.id}`, { token: admin.token })).status).toBe(204);
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${m3.id}`, { token: sysadmin.token })).status).toBe(204);
    expectError(await api("DELETE", `/chat-rooms/${room.id}/messages/${m3.id}`, { token: owner.token }), 404, "message_not_found");
    const deleted = await watcher.next("message_deleted");
    expect(deleted.message).toMatchObject({ id: msg.id, deleted: true, content_text: null });
    const h = await history(owner, room.id);
    expect(h.json.map((m: any) => [m.id, m.deleted, m.content_text])).toEqual([
      [msg.id, true, null],
      [m2.id, true, null],
      [m3.id, true, null],
      [m4.id, false, "four"],
    ]);
    watcher.close();
  });
});

describe("read positions, receipts and the room summary", () => {
  it("writes last_message, unread counts and online count behind to D1; POST /read moves the position and announces it", async () => {
    const { owner, member, room } = await setup();
    const sock = await connect(room.id, member.token);
    for (let i = 1; i <= 3; i++) await send(owner, room.id, { content_text: `hello ${i}` });
    // The summary is written at most once a second by the object's alarm; let that second pass.
    expect(await flushRoom(room.id)).toBe(true);
    const list = await api("GET", "/chat-rooms/?current_user_only=true", { token: member.token });
    const mine = list.json.find((r: any) => r.id === room.id);
    expect(mine).toMatchObject({ last_message: { sender: owner.username, content: "hello 3" }, unread_messages_count: 3, online_members_count: 1, last_message_id: 3 });
    const ownerView = (await api("GET", `/chatrooms/${room.id}`, { token: owner.token })).json;
    expect(ownerView.unread_messages_count).toBe(0); // a sender's own messages count as read

    const read = await api("POST", `/chat-rooms/${room.id}/read`, { token: member.token, body: { message_id: 2 } });
    expect(read.json).toEqual({ room_id: room.id, last_read_message_id: 2, unread_count: 1 });
    expect((await sock.next("read")).message_id).toBe(2);
    // Never backwards, and never past the last message.
    expect((await api("POST", `/chat-rooms/${room.id}/read`, { token: member.token, body: { message_id: 1 } })).json.last_read_message_id).toBe(2);
    expectError(await api("POST", `/chat-rooms/${room.id}/read`, { token: member.token, body: { message_id: 4 } }), 400, "invalid_message_id");
    expectError(await api("POST", `/chat-rooms/${room.id}/read`, { token: member.token, body: { message_id: -1 } }), 400, "invalid_request");
    const after = (await api("GET", `/chatrooms/${room.id}`, { token: member.token })).json;
    expect(after.unread_messages_count).toBe(1);

    const readBy = await api("GET", `/chat-rooms/${room.id}/messages/2/read-by`, { token: owner.token });
    expect(readBy.json.map((r: any) => r.user_id).sort()).toEqual([owner.id, member.id].sort());
    const readBy3 = await api("GET", `/chat-rooms/${room.id}/messages/3/read-by`, { token: owner.token });
    expect(readBy3.json.map((r: any) => r.user_id)).toEqual([owner.id]);
    expectError(await api("GET", `/chat-rooms/${room.id}/messages/99/read-by`, { token: owner.token }), 404, "message_not_found");
    sock.close();
  });

  it("reads one message, and marks everything read when no message_id is given", async () => {
    const { owner, member, outsider, room } = await setup();
    for (let i = 1; i <= 3; i++) await send(owner, room.id, { content_text: `one ${i}` });
    const one = await api("GET", `/chatrooms/${room.id}/messages/2`, { token: member.token });
    expect(one.json).toMatchObject({ id: 2, content_text: "one 2", room_id: room.id });
    expectError(await api("GET", `/chatrooms/${room.id}/messages/9`, { token: member.token }), 404, "message_not_found");
    expectError(await api("GET", `/chatrooms/${room.id}/messages/2`, { token: outsider.token }), 403);
    const all = await api("POST", `/chat-rooms/${room.id}/read`, { token: member.token });
    expect(all.json).toEqual({ room_id: room.id, last_read_message_id: 3, unread_count: 0 });
  });

  it("refuses read receipts in rooms larger than READ_RECEIPTS_MAX_MEMBERS", async () => {
    const owner = await registerUser("rr");
    const room = await createRoom(owner);
    await send(owner, room.id, { content_text: "to many" });
    // 100 more members, written straight to D1 (registering each would only cost PBKDF2 time).
    const tag = `rr${Date.now().toString(36)}`;
    await env.DB.batch(
      Array.from({ length: 100 }, (_, i) =>
        env.DB.prepare("INSERT INTO users (username, password_hash, password_salt, password_iterations) VALUES (?, 'x', 'x', 1)").bind(`${tag}_${i}`),
      ),
    );
    await env.DB.prepare(
      "INSERT INTO room_members (room_id, user_id, role, status) SELECT ?, id, 'member', 'active' FROM users WHERE username LIKE ?",
    )
      .bind(room.id, `${tag}_%`)
      .run();
    expectError(await api("GET", `/chat-rooms/${room.id}/messages/1/read-by`, { token: owner.token }), 400, "room_too_large");
  });

  it("writes the summary at most once per alarm however many messages arrive", async () => {
    const { owner, room } = await setup();
    for (let i = 1; i <= 5; i++) await send(owner, room.id, { content_text: `burst ${i}` });
    const before = await env.DB.prepare("SELECT last_message_id FROM rooms WHERE id = ?").bind(room.id).first<number>("last_message_id");
    expect(before).toBe(0);
    const alarm = await runInDurableObject(roomStub(env, room.id), (_i: Room, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(await flushRoom(room.id)).toBe(true);
    const row = await env.DB.prepare("SELECT last_message_id, last_message_content FROM rooms WHERE id = ?").bind(room.id).first();
    expect(row).toEqual({ last_message_id: 5, last_message_content: "burst 5" });
    // Nothing else is due: the only alarm left is the oldest message's expiry, a century away.
    const next = await runInDurableObject(roomStub(env, room.id), (_i: Room, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(Date.now() + 36_000 * 86_400_000);
  });

  it("an alarm that comes early for something else (a typing expiry) does not write the summary before its second is up", async () => {
    const { owner, member, room } = await setup();
    await send(owner, room.id, { content_text: "soon" });
    expect((await api("POST", `/chat-rooms/${room.id}/typing`, { token: member.token })).status).toBe(204);
    await runInDurableObject(roomStub(env, room.id), (_i: Room, state) => {
      state.storage.sql.exec("UPDATE typing SET expires_at = 0");
    });
    const lastId = () => env.DB.prepare("SELECT last_message_id FROM rooms WHERE id = ?").bind(room.id).first<number>("last_message_id");
    expect(await runDurableObjectAlarm(roomStub(env, room.id))).toBe(true);
    expect(await runInDurableObject(roomStub(env, room.id), (_i: Room, state) => state.storage.sql.exec("SELECT count(*) AS n FROM typing").one().n)).toBe(0);
    expect(await lastId()).toBe(0);
    // Its own alarm is still set, and writes it once due.
    expect(await runInDurableObject(roomStub(env, room.id), (_i: Room, state) => state.storage.getAlarm())).not.toBeNull();
    expect(await flushRoom(room.id)).toBe(true);
    expect(await lastId()).toBe(1);
  });
});
