// Document 002 (the FastAPI chat API) against the worker: its ChatAPI class as printed (only the
// base URL and token set), every endpoint with its documented fields and statuses, the global
// room, the shared /rooms door, and bad input answered in 002's envelope ({"detail"}) changing nothing.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeAdmin, registerUser, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";

const BASE = "http://edge.test";

/** The document's global `fetch`, against the worker. */
const fetch = (url: string, init?: RequestInit) => exports.default.fetch(url, init);

// The document's ChatAPI class, as printed.
class ChatAPI {
  baseURL: string;
  token: string;
  headers: Record<string, string>;
  constructor(baseURL: string, token: string) {
    this.baseURL = baseURL;
    this.token = token;
    this.headers = {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
    };
  }

  // 发送消息
  async sendMessage(content: string, roomId = "global", replyTo: string | null = null) {
    const response = await fetch(`${this.baseURL}/api/chat/send?room_id=${roomId}`, {
      method: "POST",
      headers: this.headers,
      body: JSON.stringify({
        message_type: "text",
        content: content,
        reply_to: replyTo,
      }),
    });
    return (await response.json()) as any;
  }

  // 获取消息历史
  async getMessages(roomId = "global", limit = 50, before: string | null = null) {
    let url = `${this.baseURL}/api/chat/messages?room_id=${roomId}&limit=${limit}`;
    if (before) url += `&before=${before}`;

    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${this.token}` },
    });
    return (await response.json()) as any;
  }

  // 上传文件
  async uploadFile(file: File, roomId = "global") {
    const formData = new FormData();
    formData.append("file", file);
    formData.append("room_id", roomId);

    const response = await fetch(`${this.baseURL}/api/chat/upload`, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}` },
      body: formData,
    });
    return (await response.json()) as any;
  }

  // 获取在线用户
  async getOnlineUsers() {
    const response = await fetch(`${this.baseURL}/api/chat/online-users`, {
      headers: { Authorization: `Bearer ${this.token}` },
    });
    return (await response.json()) as any;
  }

  // 心跳检测
  async heartbeat() {
    const response = await fetch(`${this.baseURL}/api/chat/heartbeat`, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}` },
    });
    return (await response.json()) as any;
  }
}

async function chat(method: string, path: string, user: TestUser | null, init: { json?: unknown; form?: FormData | URLSearchParams; raw?: BodyInit; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(user && { Authorization: `Bearer ${user.token}` }), ...init.headers };
  let body: BodyInit | undefined = init.raw ?? init.form;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers["Content-Type"] ??= "application/json";
  }
  const res = await fetch(`${BASE}/api/chat${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function expect002Error(res: { status: number; json: any }, status: number) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(typeof res.json.detail).toBe("string");
  expect(res.json.error).toBeUndefined();
}

const uniqName = (p: string) => `${p}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const MESSAGE_KEYS = ["content", "file_name", "file_size", "file_url", "id", "message_type", "reply_to", "sender_id", "sender_name", "timestamp"];
const globalRoom = async () => (await env.DB.prepare("SELECT id FROM rooms WHERE is_global = 1").first<{ id: number }>())!.id;
const roomForm = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
};

describe("002, replayed from the document's ChatAPI class", () => {
  it("sendMessage and getMessages in the global room, which every signed-in user reads and posts to", async () => {
    const [alice, bob] = await Promise.all([registerUser("a2"), registerUser("b2")]);
    const a = new ChatAPI(BASE, alice.token);
    const b = new ChatAPI(BASE, bob.token);

    const sent = await a.sendMessage("Hello, World!");
    expect(Object.keys(sent).sort()).toEqual(MESSAGE_KEYS);
    expect(sent).toMatchObject({ sender_id: alice.id, sender_name: alice.username, message_type: "text", content: "Hello, World!", file_url: null, file_name: null, file_size: null, reply_to: null });
    expect(typeof sent.id).toBe("string");
    const gid = await globalRoom();
    expect(Math.floor(Number(sent.id) / 1e9)).toBe(gid);

    // Bob never joined anything: he reads and answers.
    const history = await b.getMessages();
    expect(history.find((m: any) => m.id === sent.id)).toMatchObject({ content: "Hello, World!", sender_id: alice.id });
    const reply = await b.sendMessage("hi alice", "global", sent.id);
    expect(reply.reply_to).toBe(sent.id);
    // The same room through its id.
    const byId = await a.getMessages(String(gid), 100);
    expect(byId.map((m: any) => m.id)).toEqual(expect.arrayContaining([sent.id, reply.id]));

    // before pages back from a message id.
    const older = await a.getMessages("global", 50, reply.id);
    expect(older.some((m: any) => m.id === reply.id)).toBe(false);
    expect(older.some((m: any) => m.id === sent.id)).toBe(true);
  });

  it("uploadFile posts the file as a message (image typed from its content) with file_url, file_name, file_size", async () => {
    const alice = await registerUser("u2");
    const a = new ChatAPI(BASE, alice.token);
    const file = new File([fx.png(8, 6)], "photo.jpg", { type: "image/jpeg" });
    const msg = await a.uploadFile(file);
    expect(Object.keys(msg).sort()).toEqual(MESSAGE_KEYS);
    expect(msg).toMatchObject({ message_type: "image", file_name: "photo.jpg", content: "发送了文件: photo.jpg", sender_id: alice.id });
    expect(msg.file_size).toBe(fx.png(8, 6).length);
    expect(msg.file_url).toEqual(expect.stringContaining("/api/v1/files/"));
    const pdf = await a.uploadFile(new File([fx.pdf()], "doc.pdf"), "global");
    expect(pdf.message_type).toBe("file");
  });

  it("heartbeat and getOnlineUsers: another user's ip, user_agent and login_time only for system admins", async () => {
    const [alice, bob, admin] = await Promise.all([registerUser("a3"), registerUser("b3"), registerUser("s3")]);
    await makeAdmin(admin);
    const a = new ChatAPI(BASE, alice.token);
    const beat = await a.heartbeat();
    expect(beat.status).toBe("ok");
    expect(beat.timestamp).toEqual(expect.any(String));
    // All three share the global room.
    for (const u of [alice, bob, admin]) await new ChatAPI(BASE, u.token).getMessages();
    await new ChatAPI(BASE, bob.token).heartbeat();
    const seenByAlice = await a.getOnlineUsers();
    const bobRow = seenByAlice.find((u: any) => u.user_id === bob.id);
    expect(Object.keys(bobRow).sort()).toEqual(["ip", "last_activity", "login_time", "user_agent", "user_id", "username"]);
    expect(bobRow).toMatchObject({ username: bob.username, ip: null, user_agent: null, login_time: null });
    const seenByAdmin = await new ChatAPI(BASE, admin.token).getOnlineUsers();
    expect(seenByAdmin.find((u: any) => u.user_id === bob.id).login_time).toEqual(expect.any(String));
  });
});

describe("002 endpoints", () => {
  it("stats, user-ip (yourself or system admins only), delete with room_id", async () => {
    const [alice, bob, admin] = await Promise.all([registerUser("a4"), registerUser("b4"), registerUser("s4")]);
    await makeAdmin(admin);
    const stats = await chat("GET", "/stats", alice);
    expect(stats.status).toBe(200);
    expect(Object.keys(stats.json).sort()).toEqual(["active_rooms", "online_users_count", "total_messages_today"]);

    expect(await chat("GET", `/user-ip/${alice.id}`, alice)).toEqual({ status: 200, json: { user_id: alice.id, ip: null } });
    expect((await chat("GET", `/user-ip/${alice.id}`, admin)).status).toBe(200);
    expect002Error(await chat("GET", `/user-ip/${alice.id}`, bob), 403);

    const a = new ChatAPI(BASE, alice.token);
    const sent = await a.sendMessage("to delete");
    expect002Error(await chat("DELETE", `/messages/${sent.id}?room_id=global`, bob), 403);
    expect(await chat("DELETE", `/messages/${sent.id}?room_id=global`, alice)).toEqual({ status: 200, json: { message: "消息删除成功" } });
    const after = await a.getMessages();
    // A soft delete: the message stays, its text does not.
    expect(after.find((m: any) => m.id === sent.id)).toMatchObject({ content: "[消息已删除]" });
  });

  it("rooms: multipart create {room_id, message}, list with string ids, members and last_message, join and leave", async () => {
    const [alice, bob] = await Promise.all([registerUser("a5"), registerUser("b5")]);
    const name = uniqName("聊天室");
    const created = await chat("POST", "/rooms", alice, { form: roomForm({ room_name: name, description: "desc" }) });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ message: "聊天室创建成功", name, description: "desc" });
    expect(created.json.room_id).toBe(String(created.json.id));

    const joined = await chat("POST", `/rooms/${created.json.room_id}/join`, bob);
    expect(joined.status).toBe(200);
    expect(joined.json.message).toEqual(expect.any(String));
    await new ChatAPI(BASE, bob.token).sendMessage("in the new room", created.json.room_id);
    const { flushRoom } = await import("./helpers");
    await flushRoom(created.json.id);

    const list = await chat("GET", "/rooms", bob);
    expect(list.status).toBe(200);
    // §9: string ids, the ones creation gave (issue 24: 001's integer ids and fields rode along here before).
    const mine = list.json.find((r: any) => r.id === created.json.room_id);
    expect(mine).toMatchObject({ name, description: "desc", members: [alice.id, bob.id] });
    expect(mine.created_at).toEqual(expect.any(String));
    expect(mine.last_message).toMatchObject({ sender_id: bob.id, sender_name: bob.username, content: "in the new room", message_type: "text" });
    expect(mine.last_message.id).toBe(String(created.json.id * 1_000_000_000 + 1));
    expect(mine.last_message.timestamp).toEqual(expect.any(String));
    expect(mine.room_type).toBeUndefined();
    // The global room is listed, as "global".
    const gid = await globalRoom();
    expect(list.json.find((r: any) => r.id === "global")).toMatchObject({ members: expect.arrayContaining([bob.id]) });
    expect(list.json.find((r: any) => r.id === String(gid))).toBeUndefined();

    // §8's words (issue 24: 001's 成功离开房间 was pinned here).
    expect(await chat("POST", `/rooms/${created.json.room_id}/leave`, bob)).toEqual({ status: 200, json: { message: "成功离开聊天室" } });
    const joinGlobal = await chat("POST", "/rooms/global/join", bob);
    expect(joinGlobal.status).toBe(200);
  });
});

describe("002 bad input: its envelope, a 4xx, nothing changed", () => {
  it("refuses and stores nothing", async () => {
    const [alice, bob] = await Promise.all([registerUser("a6"), registerUser("b6")]);
    const room = (await chat("POST", "/rooms", alice, { form: roomForm({ room_name: uniqName("bad") }) })).json;
    const other = (await chat("POST", "/rooms", alice, { form: roomForm({ room_name: uniqName("oth") }) })).json;
    const foreign = await new ChatAPI(BASE, alice.token).sendMessage("elsewhere", other.room_id);
    const before = (await chat("GET", `/messages?room_id=${room.room_id}`, alice)).json.length;
    const big = new Uint8Array(10 * 1024 * 1024 + 10);
    big.set(fx.png(1, 1));
    const bigForm = fx.multipart([{ name: "file", filename: "big.png", data: big }, { name: "room_id", data: room.room_id }]);
    const exe = fx.multipart([{ name: "file", filename: "x.exe", data: new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]) }, { name: "room_id", data: room.room_id }]);
    const cases: [Awaited<ReturnType<typeof chat>>, number][] = [
      [await chat("POST", "/send", null, { json: { content: "x" } }), 401],
      [await chat("POST", `/send?room_id=${room.room_id}`, alice, { json: { content: "" } }), 400],
      [await chat("POST", `/send?room_id=${room.room_id}`, alice, { json: { content: "x".repeat(5001) } }), 400],
      [await chat("POST", `/send?room_id=${room.room_id}`, alice, { json: { content: "x", message_type: "sticker" } }), 400],
      [await chat("POST", `/send?room_id=${room.room_id}`, alice, { json: { content: "x", message_type: "system" } }), 403],
      [await chat("POST", `/send?room_id=${room.room_id}`, alice, { json: { content: "x", reply_to: foreign.id } }), 400],
      [await chat("POST", `/send?room_id=${room.room_id}`, alice, { raw: "content=x", headers: { "Content-Type": "text/plain" } }), 415],
      [await chat("POST", `/send?room_id=${room.room_id}`, bob, { json: { content: "not a member" } }), 403],
      [await chat("POST", "/send?room_id=room_a1b2c3d4", alice, { json: { content: "x" } }), 404],
      [await chat("GET", `/messages?room_id=${room.room_id}&limit=101`, alice), 400],
      [await chat("GET", `/messages?room_id=${room.room_id}&before=${foreign.id}`, alice), 400],
      [await chat("DELETE", `/messages/${foreign.id}?room_id=${room.room_id}`, alice), 404],
      [await chat("DELETE", "/messages/abc", alice), 404],
      // An id shaped like the document's own (a UUID): unknown, 404.
      [await chat("DELETE", "/messages/550e8400-e29b-41d4-a716-446655440000", alice), 404],
      // No room_id is room_id=global: a message of another room is not found there, and stays.
      [await chat("DELETE", `/messages/${foreign.id}`, alice), 404],
      [await chat("GET", "/user-ip/abc", alice), 400],
      [await chat("POST", "/upload", alice, { raw: bigForm.body, headers: { "Content-Type": bigForm.contentType } }), 413],
      [await chat("POST", "/upload", alice, { raw: exe.body, headers: { "Content-Type": exe.contentType } }), 415],
      [await chat("POST", "/upload", alice, { json: { file: "x" } }), 415],
      [await chat("POST", "/rooms", alice, { form: roomForm({ description: "no name" }) }), 400],
      // A taken name: 400 (002's table has no 409; issue 24).
      [await chat("POST", "/rooms", alice, { form: roomForm({ room_name: room.name }) }), 400],
    ];
    for (const [res, status] of cases) expect002Error(res, status);
    expect((await chat("GET", `/messages?room_id=${room.room_id}`, alice)).json.length).toBe(before);
    expect(await chat("DELETE", `/messages/${foreign.id}?room_id=${other.room_id}`, alice)).toEqual({ status: 200, json: { message: "消息删除成功" } });
    const files = await env.DB.prepare("SELECT count(*) AS n FROM files WHERE uploader_id = ?").bind(alice.id).first<number>("n");
    expect(files).toBe(0);
    // A body neither JSON nor a form on the shared door: 002's path (rooms), 002's envelope alone (issue 24: no union).
    const neither = await chat("POST", "/rooms", alice, { raw: "room_name=x", headers: { "Content-Type": "text/plain" } });
    expect(neither.status).toBe(415);
    expect(neither.json).toEqual({ detail: expect.any(String) });
    const rooms = (await chat("GET", "/rooms", alice)).json.filter((r: any) => r.description === "no name");
    expect(rooms).toEqual([]);
  });

  it("a user banned from the global room is not admitted again", async () => {
    const [admin, user] = await Promise.all([registerUser("s7"), registerUser("u7")]);
    await makeAdmin(admin);
    await new ChatAPI(BASE, user.token).getMessages();
    const gid = await globalRoom();
    const ban = await api("POST", `/chat-rooms/${gid}/bans`, { token: admin.token, body: { user_id: user.id } });
    expect(ban.status, JSON.stringify(ban.json)).toBeLessThan(300);
    expect002Error(await chat("POST", "/send", user, { json: { content: "still here?" } }), 403);
  });
});
