// Document 002 (the FastAPI chat API at /api/chat/..., no trailing slash) as a client written from
// its text sees it: every endpoint of its 接口概览, its success parsed against the document's model
// (src/dialects/doc002-fastapi-chat/models.ts: field names, types, nullability, enums; objects
// strict), and every code of its error table (400, 401, 403, 404, 413, 415) where the endpoint can
// give it, in {"detail"} and nothing else. Ids are sent as the document types them: room_id and
// message_id strings ("global", "3"), user_id a number in the path.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "@hono/zod-openapi";
import * as M from "../src/dialects/doc002-fastapi-chat/models";
import { flushRoom, makeAdmin, registerUser, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";

type Res = { status: number; json: any };

/** A call as a 002 client makes it: Bearer token, JSON or a form, paths exactly as printed. */
async function call(method: string, path: string, user: TestUser | null, body?: { json?: unknown; form?: FormData; raw?: BodyInit; type?: string }): Promise<Res> {
  const headers: Record<string, string> = {};
  if (user) headers.Authorization = `Bearer ${user.token}`;
  let data: BodyInit | undefined = body?.form ?? body?.raw;
  if (body?.json !== undefined) {
    headers["Content-Type"] = "application/json";
    data = JSON.stringify(body.json);
  }
  if (body?.type) headers["Content-Type"] = body.type;
  const res = await exports.default.fetch(`http://edge.test/api/chat${path}`, { method, headers, body: data });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** A success: 200 and the whole body is the model. */
function ok<S extends z.ZodType>(res: Res, model: S): z.output<S> {
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  const parsed = model.safeParse(res.json);
  expect(parsed.success ? [] : parsed.error.issues, JSON.stringify(res.json)).toEqual([]);
  return res.json;
}

/** A row of the error table: its status, {"detail": "..."} and nothing else. */
function fails(res: Res, status: 400 | 401 | 403 | 404 | 413 | 415) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(M.Error002.safeParse(res.json).success, JSON.stringify(res.json)).toBe(true);
}

const form = (fields: Record<string, string | File>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
};
const uniqName = (p: string) => `${p}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const UNKNOWN_ROOM = "room_a1b2c3d4"; // shaped like the document's own room ids
const UNKNOWN_MESSAGE = "550e8400-e29b-41d4-a716-446655440000";

let alice: TestUser, bob: TestUser, admin: TestUser;
/** Alice's room (bob not in it) and a private room of the core's, alice's too. */
let room: string, privateRoom: string;

beforeAll(async () => {
  [alice, bob, admin] = await Promise.all([registerUser("p2a"), registerUser("p2b"), registerUser("p2s")]);
  await makeAdmin(admin);
  room = ok(await call("POST", "/rooms", alice, { form: form({ room_name: uniqName("c2"), description: "desc" }) }), M.RoomCreated002).room_id;
  const priv = await exports.default.fetch("http://edge.test/api/v1/chat-rooms", {
    method: "POST",
    headers: { Authorization: `Bearer ${alice.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: uniqName("c2p"), visibility: "private" }),
  });
  privateRoom = String(((await priv.json()) as { id: number }).id);
});

describe("002 contract: messages", () => {
  it("1 POST /api/chat/send: ChatMessage; 400, 401, 403, 404, 415", async () => {
    const sent = ok(await call("POST", "/send?room_id=global", alice, { json: { message_type: "text", content: "你好，世界！", reply_to: null } }), M.Message002);
    expect(sent).toMatchObject({ sender_id: alice.id, sender_name: alice.username, message_type: "text", content: "你好，世界！", reply_to: null });
    const reply = ok(await call("POST", "/send", bob, { json: { content: "回复", reply_to: sent.id } }), M.Message002);
    expect(reply.reply_to).toBe(sent.id);
    fails(await call("POST", "/send", alice, { json: { content: "" } }), 400);
    fails(await call("POST", "/send", null, { json: { content: "x" } }), 401);
    fails(await call("POST", `/send?room_id=${room}`, bob, { json: { content: "not a member" } }), 403);
    fails(await call("POST", `/send?room_id=${UNKNOWN_ROOM}`, alice, { json: { content: "x" } }), 404);
    fails(await call("POST", "/send", alice, { raw: "content=x", type: "text/plain" }), 415);
  });

  it("2 POST /api/chat/upload: ChatMessage for §2's types; 400, 401, 403, 404, 413, 415 (text/html, audio)", async () => {
    const image = ok(await call("POST", "/upload", alice, { form: form({ file: new File([fx.png(4, 4)], "photo.png", { type: "image/png" }), room_id: room }) }), M.Message002);
    expect(image).toMatchObject({ message_type: "image", file_name: "photo.png", content: "发送了文件: photo.png" });
    for (const [file, type] of [
      [new File([fx.jpeg(2, 2)], "a.jpg", { type: "image/jpeg" }), "image"],
      [new File([fx.gif(2, 2)], "a.gif", { type: "image/gif" }), "image"],
      [new File([fx.webpVp8x(2, 2)], "a.webp", { type: "image/webp" }), "image"],
      [new File([fx.pdf()], "a.pdf", { type: "application/pdf" }), "file"],
      [new File([fx.text()], "a.txt", { type: "text/plain" }), "file"],
      [new File([fx.ole("WordDocument")], "a.doc", { type: "application/msword" }), "file"],
      [new File([fx.zip(["[Content_Types].xml", "word/document.xml"])], "a.docx"), "file"],
      [new File([fx.ole("Workbook")], "a.xls"), "file"],
      [new File([fx.zip(["[Content_Types].xml", "xl/workbook.xml"])], "a.xlsx"), "file"],
    ] as const) {
      const m = ok(await call("POST", "/upload", alice, { form: form({ file, room_id: "global" }) }), M.Message002);
      expect(m.message_type, file.name).toBe(type);
    }
    fails(await call("POST", "/upload", alice, { form: form({ room_id: room }) }), 400); // no file
    fails(await call("POST", "/upload", null, { form: form({ file: new File([fx.png(1, 1)], "a.png") }) }), 401);
    fails(await call("POST", "/upload", bob, { form: form({ file: new File([fx.png(1, 1)], "a.png"), room_id: room }) }), 403);
    fails(await call("POST", "/upload", alice, { form: form({ file: new File([fx.png(1, 1)], "a.png"), room_id: UNKNOWN_ROOM }) }), 404);
    const big = new Uint8Array(10 * 1024 * 1024 + 10);
    big.set(fx.png(1, 1));
    fails(await call("POST", "/upload", alice, { form: form({ file: new File([big], "big.png", { type: "image/png" }) }) }), 413);
    const before = await env.DB.prepare("SELECT count(*) AS n FROM files WHERE uploader_id = ?").bind(alice.id).first<number>("n");
    fails(await call("POST", "/upload", alice, { form: form({ file: new File(["<html><body>hi</body></html>"], "page.html", { type: "text/html" }) }) }), 415);
    fails(await call("POST", "/upload", alice, { form: form({ file: new File([fx.wav()], "a.wav", { type: "audio/wav" }) }) }), 415);
    fails(await call("POST", "/upload", alice, { form: form({ file: new File([fx.wav()], "a.bin") }) }), 415); // audio by its bytes
    expect(await env.DB.prepare("SELECT count(*) AS n FROM files WHERE uploader_id = ?").bind(alice.id).first<number>("n")).toBe(before);
  });

  it("3 GET /api/chat/messages: ChatMessage[]; 400, 401, 403, 404", async () => {
    const sent = ok(await call("POST", `/send?room_id=${room}`, alice, { json: { content: "历史" } }), M.Message002);
    const list = ok(await call("GET", `/messages?room_id=${room}&limit=50`, alice), M.Message002.array());
    expect(list.at(-1)!.id).toBe(sent.id);
    expect(ok(await call("GET", `/messages?room_id=${room}&before=${sent.id}`, alice), M.Message002.array()).some((m) => m.id === sent.id)).toBe(false);
    ok(await call("GET", "/messages", bob), M.Message002.array());
    fails(await call("GET", "/messages?limit=101", alice), 400);
    fails(await call("GET", "/messages", null), 401);
    fails(await call("GET", `/messages?room_id=${privateRoom}`, bob), 403);
    fails(await call("GET", `/messages?room_id=${UNKNOWN_ROOM}`, alice), 404);
  });

  it("10 DELETE /api/chat/messages/{message_id}: {message}; 401, 403, 404", async () => {
    const sent = ok(await call("POST", "/send", alice, { json: { content: "删除我" } }), M.Message002);
    fails(await call("DELETE", `/messages/${sent.id}`, null), 401);
    fails(await call("DELETE", `/messages/${sent.id}`, bob), 403);
    fails(await call("DELETE", `/messages/${UNKNOWN_MESSAGE}`, alice), 404);
    expect(ok(await call("DELETE", `/messages/${sent.id}?room_id=global`, alice), M.Done002)).toEqual({ message: "消息删除成功" });
  });
});

describe("002 contract: presence and stats", () => {
  it("12 POST /api/chat/heartbeat, 4 GET /api/chat/online-users (the caller included), 5 GET /api/chat/stats (heartbeats count); 401", async () => {
    const carol = await registerUser("p2c");
    const before = ok(await call("GET", "/stats", admin), M.ChatStats002).online_users_count;
    ok(await call("POST", "/heartbeat", carol), M.Heartbeat002);
    const online = ok(await call("GET", "/online-users", carol), M.OnlineUser002.array());
    const me = online.find((u) => u.user_id === carol.id);
    expect(me, "the caller, right after their heartbeat").toMatchObject({ username: carol.username });
    expect(me!.login_time).toEqual(expect.any(String));
    const after = ok(await call("GET", "/stats", carol), M.ChatStats002).online_users_count;
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after - before).toBeGreaterThanOrEqual(1);
    fails(await call("POST", "/heartbeat", null), 401);
    fails(await call("GET", "/online-users", null), 401);
    fails(await call("GET", "/stats", null), 401);
  });

  it("11 GET /api/chat/user-ip/{user_id}: {user_id, ip}; 400, 401, 403, 404", async () => {
    expect(ok(await call("GET", `/user-ip/${alice.id}`, alice), M.UserIp002).user_id).toBe(alice.id);
    ok(await call("GET", `/user-ip/${bob.id}`, admin), M.UserIp002);
    fails(await call("GET", "/user-ip/abc", alice), 400);
    fails(await call("GET", `/user-ip/${alice.id}`, null), 401);
    fails(await call("GET", `/user-ip/${alice.id}`, bob), 403);
    fails(await call("GET", "/user-ip/99999999", admin), 404);
  });
});

describe("002 contract: rooms", () => {
  it("6 POST /api/chat/rooms (multipart): {room_id, message}; 400 (no name, a taken name), 401", async () => {
    const name = uniqName("c2r");
    const created = ok(await call("POST", "/rooms", alice, { form: form({ room_name: name }) }), M.RoomCreated002);
    expect(created).toMatchObject({ message: "聊天室创建成功", id: created.room_id, name });
    fails(await call("POST", "/rooms", alice, { form: form({ description: "no name" }) }), 400);
    fails(await call("POST", "/rooms", alice, { form: form({ room_name: name }) }), 400);
    fails(await call("POST", "/rooms", null, { form: form({ room_name: uniqName("x") }) }), 401);
  });

  it("9 GET /api/chat/rooms: ChatRoom[] with string ids, the global room \"global\", its members and last_message; 401", async () => {
    ok(await call("POST", `/rooms/${room}/join`, bob), M.Joined002);
    const sent = ok(await call("POST", `/send?room_id=${room}`, bob, { json: { content: "最后一条" } }), M.Message002);
    await flushRoom(Number(room));
    const list = ok(await call("GET", "/rooms", bob), M.ChatRoom002.array());
    const mine = list.find((r) => r.id === room)!;
    expect(mine).toMatchObject({ description: "desc", members: expect.arrayContaining([alice.id, bob.id]) });
    expect(mine.last_message).toMatchObject({ id: sent.id, sender_id: bob.id, sender_name: bob.username, content: "最后一条" });
    expect(list.find((r) => r.id === "global")).toBeDefined();
    // The global room's messages are read with the id the list gives.
    ok(await call("GET", `/messages?room_id=${list.find((r) => r.id === "global")!.id}`, bob), M.Message002.array());
    ok(await call("POST", `/rooms/${room}/leave`, bob), M.Done002);
    fails(await call("GET", "/rooms", null), 401);
  });

  it("7 POST /api/chat/rooms/{room_id}/join: {message}; 400 (full), 401, 403 (private), 404", async () => {
    expect(ok(await call("POST", `/rooms/${room}/join`, bob), M.Joined002)).toEqual({ message: "成功加入聊天室", status: "approved" });
    ok(await call("POST", "/rooms/global/join", bob), M.Joined002);
    // A room with max_members 1 (made through 001's door, which has the field).
    const full = await exports.default.fetch("http://edge.test/api/chat/rooms/", {
      method: "POST",
      headers: { Authorization: `Bearer ${alice.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: uniqName("full"), room_type: "group", max_members: 1 }),
    });
    const fullId = String(((await full.json()) as { id: number }).id);
    fails(await call("POST", `/rooms/${fullId}/join`, bob), 400);
    fails(await call("POST", `/rooms/${room}/join`, null), 401);
    fails(await call("POST", `/rooms/${privateRoom}/join`, bob), 403);
    fails(await call("POST", `/rooms/${UNKNOWN_ROOM}/join`, bob), 404);
    ok(await call("POST", `/rooms/${room}/leave`, bob), M.Done002);
  });

  it("8 POST /api/chat/rooms/{room_id}/leave: {message}; 401, 403 (the owner), 404 (not in it)", async () => {
    ok(await call("POST", `/rooms/${room}/join`, bob), M.Joined002);
    expect(ok(await call("POST", `/rooms/${room}/leave`, bob), M.Done002)).toEqual({ message: "成功离开聊天室" });
    fails(await call("POST", `/rooms/${room}/leave`, null), 401);
    fails(await call("POST", `/rooms/${room}/leave`, alice), 403);
    fails(await call("POST", `/rooms/${room}/leave`, bob), 404);
  });
});
