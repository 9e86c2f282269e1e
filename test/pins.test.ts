// Pins: who may pin and unpin, the list (newest pin first, who and when, a constant number of
// storage statements), the 50-pin limit, what deletion, pruning and clear-history do to pins,
// the frames room sockets get (and the client library emits), and bad input answered with a 4xx that changes nothing.
import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createChatClient } from "../client/src/index";
import { roomStub } from "../src/room/client";
import type { Room } from "../src/room/room";
import { WorkerdWebSocket } from "./client-socket";
import { api, BASE, countStatements, expectError, matrix, registerUser, roomCast, type TestUser } from "./helpers";
import { connect } from "./ws";

const send = async (u: TestUser, roomId: number, content_text: string) => {
  const res = await api("POST", `/chat-rooms/${roomId}/messages`, { token: u.token, body: { content_text } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as { id: number; sent_at: string };
};
const pin = (u: TestUser | null, roomId: number, messageId: number | string) => api("PUT", `/chat-rooms/${roomId}/pins/${messageId}`, { token: u?.token });
const unpin = (u: TestUser | null, roomId: number, messageId: number | string) => api("DELETE", `/chat-rooms/${roomId}/pins/${messageId}`, { token: u?.token });
const pins = (u: TestUser | null, roomId: number) => api("GET", `/chat-rooms/${roomId}/pins`, { token: u?.token });
const pinnedIds = async (u: TestUser, roomId: number) => {
  const res = await pins(u, roomId);
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return (res.json as any[]).map((p) => p.message.id);
};
const storedPins = (roomId: number) =>
  runInDurableObject(roomStub(env, roomId), (_i: Room, state) => state.storage.sql.exec("SELECT message_id FROM pins ORDER BY id").toArray().map((r) => r.message_id));

describe("pins over REST", () => {
  it("owners, room admins and system admins pin; members, outsiders, banned users and anonymous callers cannot", async () => {
    const cast = await roomCast({ require_approval: false });
    const { room, owner, admin, member } = cast;
    const m = await send(member, room.id, "pin me");
    await matrix(cast, { member: 403, outsider: 403, owner: 200, admin: 200, sysadmin: 200 }, (token) =>
      api("PUT", `/chat-rooms/${room.id}/pins/${m.id}`, { token }),
    );
    expectError(await pin(null, room.id, m.id), 401);
    expectError(await pin(member, room.id, m.id), 403, "forbidden");
    expectError(await pin(cast.outsider, room.id, m.id), 403, "not_a_member");
    // Unpinning is the same rule.
    expectError(await unpin(member, room.id, m.id), 403, "forbidden");
    expectError(await unpin(cast.outsider, room.id, m.id), 403, "not_a_member");
    expect(await storedPins(room.id)).toEqual([m.id]);
    // A banned member is an outsider to the list, and to pinning.
    expect((await api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: { user_id: admin.id } })).status).toBeLessThan(300);
    expectError(await pin(admin, room.id, m.id), 403, "not_a_member");
    expectError(await pins(admin, room.id), 403, "not_a_member");
  });

  it("lists pins newest pin first, with who pinned and when, to members; idempotent PUT and DELETE", async () => {
    const cast = await roomCast({ require_approval: false });
    const { room, owner, admin, member, outsider, sysadmin } = cast;
    const a = await send(member, room.id, "first");
    const b = await send(owner, room.id, "second");
    const pa = await pin(admin, room.id, a.id);
    expect(pa.status, JSON.stringify(pa.json)).toBe(200);
    expect(pa.json).toEqual({
      message: expect.objectContaining({ id: a.id, content_text: "first", sender_id: member.id }),
      pinned_by: { id: admin.id, username: admin.username },
      pinned_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    const pb = await pin(owner, room.id, b.id);
    expect(pb.status).toBe(200);
    // Pinning again changes nothing: same pin, same time, same order.
    const again = await pin(owner, room.id, a.id);
    expect(again.status).toBe(200);
    expect(again.json.pinned_by).toEqual({ id: admin.id, username: admin.username });
    expect(again.json.pinned_at).toBe(pa.json.pinned_at);

    const list = await pins(member, room.id);
    expect(list.status).toBe(200);
    expect(list.json.map((p: any) => [p.message.id, p.pinned_by.id])).toEqual([
      [b.id, owner.id],
      [a.id, admin.id],
    ]);
    expect(list.json[1]).toEqual(pa.json);
    expect(await pinnedIds(sysadmin, room.id)).toEqual([b.id, a.id]);
    expectError(await pins(outsider, room.id), 403, "not_a_member");
    expectError(await pins(null, room.id), 401);

    expect((await unpin(admin, room.id, b.id)).status).toBe(204);
    expect((await unpin(admin, room.id, b.id)).status).toBe(204);
    expect(await pinnedIds(member, room.id)).toEqual([a.id]);
    // Re-pinning puts it back on top.
    expect((await pin(owner, room.id, b.id)).status).toBe(200);
    expect(await pinnedIds(member, room.id)).toEqual([b.id, a.id]);
  });

  it("at most 50 pins per room: the 51st is 409 pin_limit_reached and changes nothing", async () => {
    const cast = await roomCast({ require_approval: false });
    const { room, owner, member } = cast;
    await send(owner, room.id, "seed");
    // 51 messages straight into the room's log (sending them would take the test's time, not its point).
    await runInDurableObject(roomStub(env, room.id), (_i: Room, state) => {
      state.storage.sql.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 51)
        INSERT INTO messages (sender_id, sender_name, content_text, message_type, sent_at)
        SELECT ${owner.id}, 'bulk', 'bulk ' || i, 'text', '2026-01-01T00:00:00.000Z' FROM n`);
    });
    for (let id = 2; id <= 51; id++) expect((await pin(owner, room.id, id)).status, `pin ${id}`).toBe(200);
    const c = await connect(room.id, member.token);
    const over = await pin(owner, room.id, 52);
    expectError(over, 409, "pin_limit_reached");
    expect(over.json.detail).toMatch(/50/);
    const list = await pinnedIds(member, room.id);
    expect(list).toHaveLength(50);
    expect(list[0]).toBe(51);
    expect(await storedPins(room.id)).not.toContain(52);
    // Pinning one already pinned is still fine at the limit; after an unpin there is room again.
    expect((await pin(owner, room.id, 51)).status).toBe(200);
    expect((await unpin(owner, room.id, 2)).status).toBe(204);
    expect((await pin(owner, room.id, 52)).status).toBe(200);
    await c.next("message_pinned", (f) => f.pin.message.id === 52);
    expect(c.of("message_pinned").map((f) => f.pin.message.id)).toEqual([52]);
    c.close();
  });

  it("costs the same storage statements for 1 pin as for 50", async () => {
    const { room, owner } = await roomCast({ require_approval: false });
    await send(owner, room.id, "seed");
    const stub = roomStub(env, room.id);
    await runInDurableObject(stub, (_i: Room, state) => {
      state.storage.sql.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
        INSERT INTO messages (sender_id, sender_name, content_text, message_type, reply_to_id, sent_at)
        SELECT ${owner.id}, 'bulk', 'bulk ' || i, 'text', CASE WHEN i % 2 = 0 THEN i END, '2026-01-01T00:00:00.000Z' FROM n`);
      // A reply, so the one-pin list renders a quoted message as the fifty-pin one does.
      state.storage.sql.exec("INSERT INTO pins (message_id, pinned_by_id, pinned_by_name, pinned_at) VALUES (3, ?, 'x', '2026-01-01T00:00:00.000Z')", owner.id);
    });
    const count = async () => {
      const { result, statements } = await countStatements(room.id, (instance) => instance.pinned(owner.id));
      return { pins: result.length, statements };
    };
    const one = await count();
    expect(one.pins).toBe(1);
    expect(one.statements).toBeGreaterThan(0);
    await runInDurableObject(stub, (_i: Room, state) => {
      state.storage.sql.exec(
        "INSERT INTO pins (message_id, pinned_by_id, pinned_by_name, pinned_at) SELECT id, ?, 'x', '2026-01-01T00:00:00.000Z' FROM messages WHERE id BETWEEN 4 AND 52",
        owner.id,
      );
    });
    const fifty = await count();
    expect(fifty.pins).toBe(50);
    expect(fifty.statements).toBe(one.statements);
    // And over REST the list renders them with their replies' previews.
    const list = await pins(owner, room.id);
    expect(list.json).toHaveLength(50);
    expect(list.json.find((p: any) => p.message.id === 5).message.reply_to).toMatchObject({ id: 4 });
  });
});

describe("pins and the rest of the room", () => {
  it("a deleted message leaves the pin list (sockets hear message_unpinned); pinning a deleted message is 404 and changes nothing", async () => {
    const cast = await roomCast({ require_approval: false });
    const { room, owner, admin, member } = cast;
    const a = await send(member, room.id, "to be deleted");
    const b = await send(member, room.id, "stays");
    expect((await pin(owner, room.id, a.id)).status).toBe(200);
    expect((await pin(owner, room.id, b.id)).status).toBe(200);
    const c = await connect(room.id, admin.token);
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${a.id}`, { token: member.token })).status).toBe(204);
    const gone = await c.next("message_unpinned");
    expect(gone).toEqual({ type: "message_unpinned", message_id: a.id, user: { id: member.id, username: member.username } });
    expect(await pinnedIds(owner, room.id)).toEqual([b.id]);
    expect(await storedPins(room.id)).toEqual([b.id]);

    const again = await pin(owner, room.id, a.id);
    expectError(again, 404, "message_not_found");
    expect(again.json.detail).toMatch(/deleted/);
    expectError(await pin(owner, room.id, 999_999), 404, "message_not_found");
    expectError(await unpin(owner, room.id, 999_999), 404, "message_not_found");
    expect(await storedPins(room.id)).toEqual([b.id]);
    // Nothing more went out for the refusals.
    await new Promise((r) => setTimeout(r, 100));
    expect(c.of("message_pinned")).toHaveLength(0);
    expect(c.of("message_unpinned")).toHaveLength(1);
    c.close();
  });

  it("room sockets get message_pinned and message_unpinned; a repeat sends nothing", async () => {
    const cast = await roomCast({ require_approval: false });
    const { room, owner, admin, member } = cast;
    const m = await send(member, room.id, "watch me");
    await api("PUT", `/chat-rooms/${room.id}/messages/${m.id}/reactions/${encodeURIComponent("👍")}`, { token: owner.token });
    const [cm, ca] = await Promise.all([connect(room.id, member.token), connect(room.id, admin.token)]);
    const pinned = (await pin(owner, room.id, m.id)).json;
    for (const c of [cm, ca]) {
      const f = await c.next("message_pinned");
      // Everyone's view of the message: tallies without the pinner's `me`.
      expect(f).toEqual({ type: "message_pinned", pin: { ...pinned, message: { ...pinned.message, reactions: [{ emoji: "👍", count: 1 }] } } });
    }
    expect(pinned.message.reactions).toEqual([{ emoji: "👍", count: 1, me: true }]);
    expect((await pin(admin, room.id, m.id)).status).toBe(200);
    expect((await unpin(admin, room.id, m.id)).status).toBe(204);
    for (const c of [cm, ca]) expect(await c.next("message_unpinned")).toEqual({ type: "message_unpinned", message_id: m.id, user: { id: admin.id, username: admin.username } });
    expect((await unpin(admin, room.id, m.id)).status).toBe(204);
    // A socket of reference document 001 (which has no pins) sees its own frames only.
    const d001 = await connect(room.id, member.token, "", `${BASE.replace("/api/v1", "")}/ws/chat/${room.id}/`);
    expect((await pin(owner, room.id, m.id)).status).toBe(200);
    expect((await unpin(owner, room.id, m.id)).status).toBe(204);
    await send(member, room.id, "marker");
    await cm.next("chat_message", (f) => f.message.content_text === "marker");
    await d001.next("chat_message", (f) => f.message.content === "marker");
    expect(cm.of("message_pinned")).toHaveLength(2);
    expect(cm.of("message_unpinned")).toHaveLength(2);
    expect(d001.frames.filter((f) => /pin/.test(f.type))).toEqual([]);
    expect(Object.keys(d001.of("chat_message")[0].message).sort()).toEqual(["content", "created_at", "id", "message_type", "reply_to", "sender", "timestamp"]);
    for (const c of [cm, ca, d001]) c.close();
  });

  it("in a direct chat either person pins; archived rooms refuse; bad ids are 400; pruning and clear-history drop pins", async () => {
    const [alice, bob] = await Promise.all([registerUser("pd"), registerUser("pd")]);
    const dm = await api("POST", "/conversations/direct", { token: alice.token, body: { user_id: bob.id } });
    expect(dm.status, JSON.stringify(dm.json)).toBeLessThan(300);
    const dmId: number = dm.json.id;
    const d = await send(alice, dmId, "dm pin");
    expect((await pin(bob, dmId, d.id)).status).toBe(200);
    expect((await pin(alice, dmId, d.id)).status).toBe(200);
    expect(await pinnedIds(alice, dmId)).toEqual([d.id]);

    const cast = await roomCast({ require_approval: false });
    const { room, owner, member } = cast;
    for (const bad of ["0", "-1", "abc", "1.5", "1e3", "12345678901234567"]) {
      expectError(await pin(owner, room.id, bad), 400, "invalid_request");
      expectError(await unpin(owner, room.id, bad), 400, "invalid_request");
    }
    expectError(await pins(owner, 999_999), 404);
    const m1 = await send(member, room.id, "one");
    const m2 = await send(member, room.id, "two");
    expect((await pin(owner, room.id, m1.id)).status).toBe(200);
    expect((await pin(owner, room.id, m2.id)).status).toBe(200);
    // Clear-history: the member no longer sees what they cleared, pins included; the owner does.
    const m3 = await send(owner, room.id, "three");
    const cleared = await api("POST", `/chat-rooms/${room.id}/clear-history`, { token: member.token });
    expect(cleared.status, JSON.stringify(cleared.json)).toBe(200);
    expect(await pinnedIds(member, room.id)).toEqual([]);
    expect(await pinnedIds(owner, room.id)).toEqual([m2.id, m1.id]);
    // Retention pruning takes the pins of what it prunes.
    await runInDurableObject(roomStub(env, room.id), (instance: Room) => instance.prune(2));
    expect(await pinnedIds(owner, room.id)).toEqual([m2.id]);
    expect(await storedPins(room.id)).toEqual([m2.id]);

    // Archived: read-only, pins included (the list still reads).
    expect((await api("PUT", `/chat-rooms/${room.id}`, { token: owner.token, body: { is_active: false } })).status).toBe(200);
    expectError(await pin(owner, room.id, m3.id), 403, "room_archived");
    expectError(await unpin(owner, room.id, m2.id), 403, "room_archived");
    expect(await pinnedIds(owner, room.id)).toEqual([m2.id]);
  });
});

describe("pins in the client library", () => {
  it("typed REST pins, and the room connection emits message_pinned and message_unpinned", async () => {
    const { room, owner, member } = await roomCast({ require_approval: false });
    const m = await send(member, room.id, "client pin");
    const chat = (u: TestUser) => {
      const c = createChatClient({ baseUrl: BASE.replace("/api/v1", ""), fetch: (req) => exports.default.fetch(req), WebSocket: WorkerdWebSocket, backoff: { initialMs: 10, maxMs: 100 } });
      c.setToken(u.token);
      return c;
    };
    const watcher = chat(member).room(room.id);
    await watcher.once("connection_established");
    const pinned = watcher.once("message_pinned");
    const moderator = chat(owner);
    const put = await moderator.rest.PUT("/api/v1/chat-rooms/{room_id}/pins/{message_id}", { params: { path: { room_id: room.id, message_id: m.id } } });
    expect(put.response.status).toBe(200);
    expect(put.data?.pinned_by.id).toBe(owner.id);
    expect((await pinned).pin.message.id).toBe(m.id);
    const list = await chat(member).rest.GET("/api/v1/chat-rooms/{room_id}/pins", { params: { path: { room_id: room.id } } });
    expect(list.data?.map((p) => p.message.id)).toEqual([m.id]);
    const unpinned = watcher.once("message_unpinned");
    const del = await moderator.rest.DELETE("/api/v1/chat-rooms/{room_id}/pins/{message_id}", { params: { path: { room_id: room.id, message_id: m.id } } });
    expect(del.response.status).toBe(204);
    expect(await unpinned).toEqual({ type: "message_unpinned", message_id: m.id, user: { id: owner.id, username: owner.username } });
    const history = await chat(member).rest.GET("/api/v1/chat-rooms/{room_id}/messages/{message_id}/edits", { params: { path: { room_id: room.id, message_id: m.id }, query: {} } });
    expect(history.data).toEqual([{ version: 1, content_text: "client pin", at: m.sent_at, current: true }]);
    watcher.close();
  });
});
