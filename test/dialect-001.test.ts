// Document 001 (the Django chat API) against the worker: its JavaScript examples as printed (only
// the base URL and token set), every endpoint with its documented fields and statuses, the socket
// with two clients, and bad input answered in 001's envelope ({"error"}) changing nothing.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, registerUser, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";
import { Client, connect, upgrade } from "./ws";

const ORIGIN = "http://edge.test";

/** The document's `fetch('/api/chat/...')`, against the worker. */
const fetch = (path: string, init?: RequestInit) => exports.default.fetch(`${ORIGIN}${path}`, init);

/** The document's JavaScript examples, as printed, with `token` set. */
function examples(token: string) {
  const getRooms = async () => {
    const response = await fetch("/api/chat/rooms/", {
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
      },
    });
    return (await response.json()) as any;
  };
  const createRoom = async (roomData: unknown) => {
    const response = await fetch("/api/chat/rooms/", {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify(roomData),
    });
    return (await response.json()) as any;
  };
  const sendMessage = async (roomId: number, messageData: unknown) => {
    const response = await fetch(`/api/chat/rooms/${roomId}/messages/`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify(messageData),
    });
    return (await response.json()) as any;
  };
  // `new WebSocket('ws://.../ws/chat/${roomId}/')` with the token in the URL, as the document's socket section asks.
  const connectWebSocket = (roomId: number) => connect(roomId, token, "", `${ORIGIN}/ws/chat/${roomId}/`);
  const sendWebSocketMessage = (ws: Client, content: string) => {
    ws.send(
      JSON.stringify({
        type: "chat_message",
        content: content,
        message_type: "text",
      }),
    );
  };
  return { getRooms, createRoom, sendMessage, connectWebSocket, sendWebSocketMessage };
}

/** A request in 001's own shape, as any client of it makes. */
async function chat(method: string, path: string, user: TestUser | null, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`/api/chat${path}`, {
    method,
    headers: { ...(user && { Authorization: `Bearer ${user.token}` }), ...(body !== undefined && { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** 001's error envelope: {"error": "..."} and nothing of the core's. */
function expect001Error(res: { status: number; json: any }, status: number) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(typeof res.json.error).toBe("string");
  expect(res.json.detail).toBeUndefined();
}

const isoZ = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const uniqName = (p: string) => `${p}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function twoUsers() {
  const [alice, bob] = await Promise.all([registerUser("a1"), registerUser("b1")]);
  await api("PATCH", "/users/me", { token: alice.token, body: { display_name: "Developer" } });
  return { alice, bob };
}

describe("001 REST, replayed from the document", () => {
  it("runs the JavaScript examples: createRoom, getRooms, sendMessage", async () => {
    const { alice } = await twoUsers();
    const js = examples(alice.token);
    const name = uniqName("新房间");
    const room = await js.createRoom({ name, description: "房间描述", room_type: "public", max_members: 50 });
    expect(room).toMatchObject({
      name,
      description: "房间描述",
      room_type: "public",
      created_by: { id: alice.id, username: alice.username, first_name: "Developer", last_name: "" },
      member_count: 1,
      is_active: true,
      max_members: 50,
    });
    expect(room.id).toEqual(expect.any(Number));
    expect(room.created_at).toMatch(isoZ);

    const rooms = await js.getRooms();
    const listed = rooms.find((r: any) => r.id === room.id);
    expect(listed).toMatchObject({ id: room.id, name, description: "房间描述", room_type: "public", member_count: 1, last_message: null });
    expect(listed.created_by).toEqual({ id: alice.id, username: alice.username, first_name: "Developer", last_name: "" });
    expect(listed.created_at).toMatch(isoZ);

    const sent = await js.sendMessage(room.id, { content: "消息内容", message_type: "text" });
    expect(sent).toMatchObject({
      room: { id: room.id, name },
      sender: { id: alice.id, username: alice.username, first_name: "Developer", last_name: "" },
      message_type: "text",
      content: "消息内容",
      file_url: null,
      file_name: null,
      file_size: null,
      is_edited: false,
      is_deleted: false,
      reply_to: null,
    });
    // Global id: room × 10^9 + the per-room id.
    expect(sent.id).toBe(room.id * 1_000_000_000 + 1);
    expect(sent.created_at).toMatch(isoZ);
    expect(sent.updated_at).toBe(sent.created_at);

    const reply = await js.sendMessage(room.id, { content: "回复", reply_to: sent.id });
    expect(reply.reply_to).toBe(sent.id);
  });

  it("creates each room_type with default max_members 50 and answers 201", async () => {
    const { alice } = await twoUsers();
    for (const room_type of ["public", "private", "group"] as const) {
      const res = await chat("POST", "/rooms/", alice, { name: uniqName(room_type), room_type });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ room_type, max_members: 50, member_count: 1 });
    }
  });

  it("room detail with members and created_by; join, leave, members with every field", async () => {
    const { alice, bob } = await twoUsers();
    const room = (await chat("POST", "/rooms/", alice, { name: uniqName("r"), description: "d", room_type: "public" })).json;
    const joined = await chat("POST", `/rooms/${room.id}/join/`, bob);
    expect(joined.status).toBe(200);
    expect(joined.json.message).toBe("成功加入房间");

    const detail = await chat("GET", `/rooms/${room.id}/`, bob);
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({ id: room.id, name: room.name, description: "d", room_type: "public", member_count: 2, is_active: true, max_members: 50 });
    expect(detail.json.created_by).toEqual({ id: alice.id, username: alice.username, first_name: "Developer", last_name: "" });
    expect(detail.json.members).toEqual([
      { id: alice.id, username: alice.username, first_name: "Developer", last_name: "" },
      { id: bob.id, username: bob.username, first_name: "", last_name: "" },
    ]);
    expect(detail.json.updated_at).toMatch(isoZ);

    const members = await chat("GET", `/rooms/${room.id}/members/`, alice);
    expect(members.status).toBe(200);
    expect(members.json).toHaveLength(2);
    const [owner, member] = members.json;
    expect(owner).toMatchObject({ room: { id: room.id, name: room.name }, user: { id: alice.id, username: alice.username }, role: "owner", is_muted: false, is_banned: false });
    expect(member).toMatchObject({ user: { id: bob.id }, role: "member", is_muted: false, is_banned: false });
    expect(owner.id).toEqual(expect.any(Number));
    expect(owner.joined_at).toMatch(isoZ);
    expect("last_read_at" in owner).toBe(true);

    const left = await chat("POST", `/rooms/${room.id}/leave/`, bob);
    expect(left).toEqual({ status: 200, json: { message: "成功离开房间" } });
    expect001Error(await chat("GET", `/rooms/${room.id}/`, bob), 403);
    // The owner cannot leave (transfer first): 403 in 001's envelope.
    const ownerLeaves = await chat("POST", `/rooms/${room.id}/leave/`, alice);
    expect(ownerLeaves.status).toBe(403);
    expect(ownerLeaves.json.error).toEqual(expect.any(String));
  });

  it("a private room takes an invitation (403, nothing created); a group room is joined at once (200), up to max_members (400 when full)", async () => {
    const { alice, bob } = await twoUsers();
    const priv = (await chat("POST", "/rooms/", alice, { name: uniqName("p"), room_type: "private" })).json;
    // The core's rule holds at every door: a private room is never entered by its id alone.
    // (The door 001 shares with 002 tells them apart by the trailing slash: 001's envelope.)
    const refused = await chat("POST", `/rooms/${priv.id}/join/`, bob);
    expect001Error(refused, 403);
    expect(refused.json.error).toMatch(/invitation/);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM join_requests WHERE room_id = ?").bind(priv.id).first("n")).toBe(0);
    expect001Error(await chat("GET", `/rooms/${priv.id}/`, bob), 403);
    // 001 has no way to approve: its group rooms are joined as its §1.4 prints (issue 24 changed the 202 pending this pinned).
    const group = (await chat("POST", "/rooms/", alice, { name: uniqName("g"), room_type: "group", max_members: 2 })).json;
    expect(group.room_type).toBe("group");
    const joined = await chat("POST", `/rooms/${group.id}/join/`, bob);
    expect(joined.status).toBe(200);
    expect(joined.json.message).toBe("成功加入房间");
    expect((await chat("GET", `/rooms/${group.id}/`, bob)).json).toMatchObject({ room_type: "group", member_count: 2 });
    const carol = await registerUser("c1");
    expect001Error(await chat("POST", `/rooms/${group.id}/join/`, carol, undefined, { "Content-Type": "application/json" }), 400);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM room_members WHERE room_id = ? AND status = 'active'").bind(group.id).first("n")).toBe(2);
  });

  it("message pages {messages, page, page_size, total}, read/, delete/ (soft: [消息已删除])", async () => {
    const { alice, bob } = await twoUsers();
    const room = (await chat("POST", "/rooms/", alice, { name: uniqName("m"), room_type: "public" })).json;
    await chat("POST", `/rooms/${room.id}/join/`, bob);
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await chat("POST", `/rooms/${room.id}/messages/`, i % 2 ? alice : bob, { content: `m${i}` })).json.id);

    const first = await chat("GET", `/rooms/${room.id}/messages/?page=1&page_size=2`, alice);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ page: 1, page_size: 2, total: 5 });
    expect(first.json.messages.map((m: any) => m.content)).toEqual(["m4", "m5"]);
    const last = await chat("GET", `/rooms/${room.id}/messages/?page=3&page_size=2`, alice);
    expect(last.json.messages.map((m: any) => m.content)).toEqual(["m1"]);
    const defaults = await chat("GET", `/rooms/${room.id}/messages/`, alice);
    expect(defaults.json).toMatchObject({ page: 1, page_size: 20, total: 5 });
    const m = defaults.json.messages[0];
    for (const k of ["id", "room", "sender", "message_type", "content", "file_url", "file_name", "file_size", "is_edited", "is_deleted", "reply_to", "created_at", "updated_at"])
      expect(k in m, k).toBe(true);

    expect(await chat("POST", `/messages/${ids[4]}/read/`, bob)).toEqual({ status: 200, json: { message: "消息已标记为已读" } });
    const bobsRoom = await api("GET", `/chat-rooms/${room.id}`, { token: bob.token });
    expect(bobsRoom.json.unread_messages_count).toBe(0);

    expect(await chat("DELETE", `/messages/${ids[1]}/delete/`, bob)).toEqual({ status: 200, json: { message: "消息已删除" } });
    const after = await chat("GET", `/rooms/${room.id}/messages/`, alice);
    const gone = after.json.messages.find((x: any) => x.id === ids[1]);
    expect(gone).toMatchObject({ is_deleted: true, content: "[消息已删除]" });
    // Someone else's message: 403.
    expect001Error(await chat("DELETE", `/messages/${ids[0]}/delete/`, bob), 403);

    // 001 knows nothing of threads: a thread-only reply is a plain reply in its list, no thread field.
    const rootLocal = (await api("GET", `/chat-rooms/${room.id}/messages?limit=1&offset=4`, { token: alice.token })).json[0].id;
    const inThread = await api("POST", `/chat-rooms/${room.id}/messages`, { token: bob.token, body: { content_text: "in a thread", thread_id: rootLocal } });
    expect(inThread.status, JSON.stringify(inThread.json)).toBe(200);
    const listed = (await chat("GET", `/rooms/${room.id}/messages/`, alice)).json.messages.find((x: any) => x.content === "in a thread");
    expect(listed).toMatchObject({ reply_to: ids[0] });
    expect(Object.keys(listed).filter((k) => k.includes("thread") || k === "also_to_room")).toEqual([]);
  });

  it("image and file messages take a file_url of this service; external URLs are refused", async () => {
    const { alice } = await twoUsers();
    const room = (await chat("POST", "/rooms/", alice, { name: uniqName("f"), room_type: "public" })).json;
    const form = fx.multipart([
      { name: "file", filename: "image.jpg", data: fx.png(4, 3) },
      { name: "room_id", data: String(room.id) },
    ]);
    const up = await api("POST", "/files", { token: alice.token, raw: form.body, headers: { "Content-Type": form.contentType } });
    expect(up.status).toBe(201);
    const sent = await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "看图", message_type: "image", file_url: up.json.url, file_name: "x.jpg", file_size: 1024 });
    expect(sent.status).toBe(201);
    expect(sent.json).toMatchObject({ message_type: "image", file_name: "image.jpg", file_size: up.json.size });
    expect(sent.json.file_url).toEqual(expect.stringContaining(`/files/${up.json.id}`));
    const external = await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "x", message_type: "image", file_url: "https://example.com/file.jpg" });
    expect001Error(external, 400);
  });

  it("notifications: a mention is listed with its room and message, and read/ marks it", async () => {
    const { alice, bob } = await twoUsers();
    const room = (await chat("POST", "/rooms/", alice, { name: uniqName("n"), room_type: "public" })).json;
    await chat("POST", `/rooms/${room.id}/join/`, bob);
    const sent = (await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: `hi @${bob.username}` })).json;
    const { flushRoom } = await import("./helpers");
    await flushRoom(room.id);
    const list = await chat("GET", "/notifications/", bob);
    expect(list.status).toBe(200);
    const n = list.json.find((x: any) => x.notification_type === "mention");
    expect(n).toMatchObject({ is_read: false, room: { id: room.id, name: room.name, room_type: "public" }, message: { id: sent.id, message_type: "text" } });
    expect(n.room.created_by).toMatchObject({ id: alice.id, username: alice.username });
    for (const k of ["id", "title", "content", "created_at"]) expect(k in n, k).toBe(true);
    expect(await chat("POST", `/notifications/${n.id}/read/`, bob)).toEqual({ status: 200, json: { message: "通知已标记为已读" } });
    const again = await chat("GET", "/notifications/", bob);
    expect(again.json.find((x: any) => x.id === n.id).is_read).toBe(true);
    expect001Error(await chat("POST", `/notifications/${n.id}/read/`, alice), 404);
  });
});

describe("001 message notifications (§3.1's example), derived: nothing written per member", () => {
  it("lists one message notification per room with unread messages from others; reading the room marks it read", async () => {
    const { alice, bob } = await twoUsers();
    const room = (await chat("POST", "/rooms/", alice, { name: uniqName("nm"), description: "d", room_type: "public" })).json;
    await chat("POST", `/rooms/${room.id}/join/`, bob);
    await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "第一条" });
    const last = (await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "大家好！" })).json;
    const { flushRoom } = await import("./helpers");
    await flushRoom(room.id);
    const list = (await chat("GET", "/notifications/", bob)).json;
    const mine = list.filter((n: any) => n.notification_type === "message" && n.room?.id === room.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      id: last.id,
      title: `新消息来自 ${alice.username}`,
      content: "大家好！",
      room: { id: room.id, name: room.name, description: "d", room_type: "public", created_by: { id: alice.id } },
      message: { id: last.id, content: "大家好！", message_type: "text" },
      is_read: false,
    });
    // The sender has none for their own messages, and nothing was stored for bob.
    expect((await chat("GET", "/notifications/", alice)).json.some((n: any) => n.room?.id === room.id && n.notification_type === "message")).toBe(false);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE user_id = ?").bind(bob.id).first("n")).toBe(0);
    // Another user cannot mark it; bob can, and it is gone (his read position reached the message).
    const carol = await registerUser("c2");
    expect001Error(await chat("POST", `/notifications/${last.id}/read/`, carol), 404);
    expect(await chat("POST", `/notifications/${last.id}/read/`, bob)).toEqual({ status: 200, json: { message: "通知已标记为已读" } });
    await flushRoom(room.id);
    expect((await chat("GET", "/notifications/", bob)).json.some((n: any) => n.room?.id === room.id && n.notification_type === "message")).toBe(false);
  });
});

describe("001 bad input: its envelope, a 4xx, nothing changed", () => {
  it("refuses and stores nothing", async () => {
    const { alice, bob } = await twoUsers();
    const room = (await chat("POST", "/rooms/", alice, { name: uniqName("bad"), room_type: "public" })).json;
    const other = (await chat("POST", "/rooms/", alice, { name: uniqName("other"), room_type: "public" })).json;
    const foreign = (await chat("POST", `/rooms/${other.id}/messages/`, alice, { content: "elsewhere" })).json;
    const cases: [Awaited<ReturnType<typeof chat>>, number][] = [
      [await chat("GET", `/rooms/${room.id}/`, null), 401],
      [await chat("POST", "/rooms/", alice, { name: "x" }), 400], // room_type missing
      [await chat("POST", "/rooms/", alice, { name: "x", room_type: "secret" }), 400],
      [await chat("POST", "/rooms/", alice, "{nope"), 400],
      // A taken name: 400 (001's table has no 409; issue 24).
      [await chat("POST", "/rooms/", alice, { name: room.name, room_type: "public" }), 400],
      [await chat("GET", `/rooms/${room.id}/messages/?page=0`, alice), 400],
      [await chat("GET", `/rooms/${room.id}/messages/?page_size=10000`, alice), 400],
      [await chat("GET", "/rooms/abc/", alice), 400],
      [await chat("GET", "/rooms/abc/messages/", alice), 400],
      [await chat("POST", `/rooms/${room.id}/messages/`, alice, {}), 400], // content required
      [await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "x".repeat(5001) }), 400],
      [await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "x", message_type: "system" }), 403],
      [await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "x", reply_to: foreign.id }), 400],
      [await chat("POST", `/rooms/${room.id}/messages/`, bob, { content: "not a member" }), 403],
      [await chat("POST", "/messages/abc/read/", alice), 400],
      [await chat("DELETE", "/messages/12/delete/", alice), 404],
      [await chat("POST", `/rooms/${room.id}/messages/`, alice, "content=x", { "Content-Type": "text/plain" }), 415],
    ];
    for (const [res, status] of cases) expect001Error(res, status);
    // A shared path (001 and 002) without a body: 001's path (rooms/), 001's envelope alone (issue 24: no union).
    const shared = await chat("GET", "/rooms/", null);
    expect(shared.status).toBe(401);
    expect(shared.json).toEqual({ error: expect.any(String) });
    const page = await chat("GET", `/rooms/${room.id}/messages/`, alice);
    expect(page.json.total).toBe(0);
    const named = (await chat("GET", "/rooms/", alice)).json.filter((r: any) => r.name === "x");
    expect(named).toEqual([]);
  });

  it("5000 characters are accepted", async () => {
    const { alice } = await twoUsers();
    const room = (await chat("POST", "/rooms/", alice, { name: uniqName("long"), room_type: "public" })).json;
    const res = await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "字".repeat(5000) });
    expect(res.status).toBe(201);
    expect(res.json.content).toHaveLength(5000);
  });
});

describe("001 socket: /ws/chat/{room_id}/?token=", () => {
  async function roomOfTwo() {
    const { alice, bob } = await twoUsers();
    const room = (await chat("POST", "/rooms/", alice, { name: uniqName("ws"), room_type: "public" })).json;
    await chat("POST", `/rooms/${room.id}/join/`, bob);
    return { alice, bob, room };
  }

  it("connectWebSocket: connection_established, fan-out of chat_message in 001's shape to both clients", async () => {
    const { alice, bob, room } = await roomOfTwo();
    const a = await examples(alice.token).connectWebSocket(room.id);
    expect(a.frames[0]).toMatchObject({ type: "connection_established", message: "连接成功" });
    const b = await examples(bob.token).connectWebSocket(room.id);
    const joined = await a.next("user_join");
    expect(joined).toEqual({ type: "user_join", user: { id: bob.id, username: bob.username } });

    examples(alice.token).sendWebSocketMessage(a, "消息内容");
    for (const c of [a, b]) {
      const f = await c.next("chat_message");
      expect(Object.keys(f).sort()).toEqual(["message", "type"]);
      expect(f.message).toMatchObject({
        id: room.id * 1_000_000_000 + 1,
        content: "消息内容",
        message_type: "text",
        sender: { id: alice.id, username: alice.username, first_name: "", last_name: "" },
        reply_to: null,
      });
      expect(f.message.created_at).toMatch(isoZ);
      expect(f.message.timestamp).toBe(f.message.created_at);
      // None of the canonical fields leak into 001's frame.
      expect(f.message.content_text).toBeUndefined();
    }
    // REST sends reach 001 sockets too, with a reply_to as a global id.
    await chat("POST", `/rooms/${room.id}/messages/`, bob, { content: "rest", reply_to: room.id * 1_000_000_000 + 1 });
    const rest = await a.next("chat_message", (f) => f.message.content === "rest");
    expect(rest.message.reply_to).toBe(room.id * 1_000_000_000 + 1);

    b.send({ type: "typing", is_typing: true });
    expect(await a.next("typing")).toEqual({ type: "typing", user: { id: bob.id, username: bob.username }, is_typing: true });

    // The client frames 001 lists are accepted: user_join / user_leave change nothing and answer nothing.
    b.send({ type: "user_join" });
    b.send({ type: "user_leave" });
    b.send({ type: "chat_message", content: "after", message_type: "text", reply_to: room.id * 1_000_000_000 + 1 });
    const after = await a.next("chat_message", (f) => f.message.content === "after");
    expect(after.message.reply_to).toBe(room.id * 1_000_000_000 + 1);
    expect(b.of("error")).toEqual([]);

    b.close();
    expect(await a.next("user_leave")).toEqual({ type: "user_leave", user: { id: bob.id, username: bob.username } });
    a.close();
  });

  it("errors: an unknown frame, bad JSON, a reply from another room, media on the socket; the socket stays open", async () => {
    const { alice, room } = await roomOfTwo();
    const other = (await chat("POST", "/rooms/", alice, { name: uniqName("o"), room_type: "public" })).json;
    const foreign = (await chat("POST", `/rooms/${other.id}/messages/`, alice, { content: "x" })).json;
    const a = await connect(room.id, alice.token, "", `${ORIGIN}/ws/chat/${room.id}/`);
    const bad = [
      { type: "reaction", message_id: 1, emoji: "👍", action: "add" },
      "{not json",
      { type: "chat_message", content: "x", reply_to: foreign.id },
      { type: "chat_message", content: "x", message_type: "image" },
      { type: "chat_message", content: "" },
    ];
    for (const [i, f] of bad.entries()) {
      a.send(f);
      const e = await a.until((fs) => fs.filter((x) => x.type === "error")[i], `error ${i}`);
      expect(typeof e.message).toBe("string");
    }
    expect(a.closed).toBeNull();
    const page = await chat("GET", `/rooms/${room.id}/messages/`, alice);
    expect(page.json.total).toBe(0);
    a.close();
  });

  it("refusals are plain HTTP in 001's envelope: no token, a non-member, a non-numeric id", async () => {
    const { room } = await roomOfTwo();
    const outsider = await registerUser("o1");
    const path = `${ORIGIN}/ws/chat/${room.id}/`;
    for (const [res, status] of [
      [await upgrade(room.id, null, "", path), 401],
      [await upgrade(room.id, outsider.token, "", path), 403],
      [await upgrade(0, outsider.token, "", `${ORIGIN}/ws/chat/abc/`), 400],
    ] as const) {
      expect(res.status).toBe(status);
      const body = (await res.json()) as any;
      expect(typeof body.error).toBe("string");
    }
  });

  it("resume: ?since=<global id> replays what was missed, in 001's shape", async () => {
    const { alice, bob, room } = await roomOfTwo();
    const first = (await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "one" })).json;
    await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "two" });
    await chat("POST", `/rooms/${room.id}/messages/`, alice, { content: "three" });
    const b = await connect(room.id, bob.token, `since=${first.id}`, `${ORIGIN}/ws/chat/${room.id}/`);
    await b.next("replay_done");
    expect(b.of("chat_message").map((f) => f.message.content)).toEqual(["two", "three"]);
    b.close();
    const stale = await upgrade(room.id, bob.token, `since=${first.id + 1_000_000_000}`, `${ORIGIN}/ws/chat/${room.id}/`);
    expect(stale.status).toBe(400);
  });

  it("renders each frame once per shape: canonical and 001 sockets in one room each get their own", async () => {
    const { alice, bob, room } = await roomOfTwo();
    const canonical = await connect(room.id, alice.token);
    const d001 = await connect(room.id, bob.token, "", `${ORIGIN}/ws/chat/${room.id}/`);
    canonical.send({ type: "chat_message", content_text: "both" });
    const c1 = await canonical.next("chat_message");
    const c2 = await d001.next("chat_message");
    expect(c1.message).toMatchObject({ id: 1, content_text: "both", room_id: room.id });
    expect(c2.message).toMatchObject({ id: room.id * 1_000_000_000 + 1, content: "both" });
    canonical.close();
    d001.close();
  });
});

describe("OpenAPI", () => {
  it("lists each document's routes under its own tag; the shared ones under both", async () => {
    const doc = (await api("GET", "/openapi.json")).json;
    const t001 = "doc001: Django chat API (/api/chat/)";
    const t002 = "doc002: FastAPI chat API (/api/chat/)";
    expect(doc.paths["/api/chat/rooms/{room_id}/messages"].get.tags).toEqual([t001]);
    expect(doc.paths["/api/chat/messages/{message_id}/delete"].delete.tags).toEqual([t001]);
    expect(doc.paths["/ws/chat/{room_id}"].get.tags).toEqual([t001]);
    expect(doc.paths["/api/chat/send"].post.tags).toEqual([t002]);
    expect(doc.paths["/api/chat/upload"].post.tags).toEqual([t002]);
    expect(doc.paths["/api/chat/rooms"].post.tags).toEqual([t001, t002]);
  });
});
