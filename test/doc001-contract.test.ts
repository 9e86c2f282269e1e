// Document 001 (the Django chat API at /api/chat/.../, every path with its trailing slash) as a
// client written from its text sees it: every endpoint of its API list, its success parsed against
// the document's model (src/dialects/doc001-django-chat/models.ts: field names, types, nullability,
// enums; objects strict), and every code of its error table (400, 401, 403, 404) where the endpoint
// can give it, in {"error"} and nothing else. Bodies are JSON with ids as integers, as printed.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "@hono/zod-openapi";
import * as M from "../src/dialects/doc001-django-chat/models";
import { flushRoom, registerUser, type TestUser } from "./helpers";

type Res = { status: number; json: any };

/** A call as a 001 client makes it: Bearer token and Content-Type: application/json, as its 认证 section prints. */
async function call(method: string, path: string, user: TestUser | null, body?: unknown): Promise<Res> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (user) headers.Authorization = `Bearer ${user.token}`;
  const res = await exports.default.fetch(`http://edge.test/api/chat${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function ok<S extends z.ZodType>(res: Res, model: S, status = 200): z.output<S> {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  const parsed = model.safeParse(res.json);
  expect(parsed.success ? [] : parsed.error.issues, JSON.stringify(res.json)).toEqual([]);
  return res.json;
}

/** A row of the error table: its status, {"error": "..."} and nothing else. */
function fails(res: Res, status: 400 | 401 | 403 | 404) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(M.Error001.safeParse(res.json).success, JSON.stringify(res.json)).toBe(true);
}

const uniqName = (p: string) => `${p}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const UNKNOWN = 99999999;

let alice: TestUser, bob: TestUser, carol: TestUser;
/** Alice's public room (bob joins it), her private room and her group room of max_members 2. */
let room: M.Room001Out, priv: M.Room001Out, group: M.Room001Out;

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([registerUser("p1a"), registerUser("p1b"), registerUser("p1c")]);
  room = ok(await call("POST", "/rooms/", alice, { name: uniqName("开发讨论"), description: "开发团队讨论群", room_type: "public", max_members: 50 }), M.Room001, 201);
  priv = ok(await call("POST", "/rooms/", alice, { name: uniqName("私密"), room_type: "private" }), M.Room001, 201);
  group = ok(await call("POST", "/rooms/", alice, { name: uniqName("群组"), room_type: "group", max_members: 2 }), M.Room001, 201);
  ok(await call("POST", `/rooms/${room.id}/join/`, bob), M.Joined001);
});

describe("001 contract: rooms", () => {
  it("1.1 GET rooms/: ChatRoom[] with integer ids; 401", async () => {
    const sent = ok(await call("POST", `/rooms/${room.id}/messages/`, bob, { content: "大家好！" }), M.Message001, 201);
    await flushRoom(room.id);
    const list = ok(await call("GET", "/rooms/", alice), M.Room001.array());
    const mine = list.find((r) => r.id === room.id)!;
    expect(mine).toMatchObject({ room_type: "public", member_count: 2, last_message: { id: sent.id, content: "大家好！", sender: bob.username } });
    expect(list.find((r) => r.id === group.id)!.room_type).toBe("group");
    fails(await call("GET", "/rooms/", null), 401);
  });

  it("1.2 POST rooms/: 201 the room (each room_type, max_members default 50); 400, 401", async () => {
    expect(room).toMatchObject({ description: "开发团队讨论群", room_type: "public", member_count: 1, is_active: true, max_members: 50 });
    expect(priv.room_type).toBe("private");
    expect(group).toMatchObject({ room_type: "group", max_members: 2 });
    expect(ok(await call("POST", "/rooms/", alice, { name: uniqName("默认"), room_type: "public" }), M.Room001, 201).max_members).toBe(50);
    fails(await call("POST", "/rooms/", alice, { name: uniqName("x") }), 400); // room_type is required
    fails(await call("POST", "/rooms/", alice, { name: uniqName("x"), room_type: "secret" }), 400);
    fails(await call("POST", "/rooms/", alice, { name: room.name, room_type: "public" }), 400); // a taken name
    fails(await call("POST", "/rooms/", null, { name: uniqName("x"), room_type: "public" }), 401);
  });

  it("1.3 GET rooms/{room_id}/: the room with members; 400, 401, 403, 404", async () => {
    const detail = ok(await call("GET", `/rooms/${room.id}/`, bob), M.RoomDetail001);
    expect(detail.members.map((m) => m.id)).toEqual(expect.arrayContaining([alice.id, bob.id]));
    fails(await call("GET", "/rooms/abc/", alice), 400);
    fails(await call("GET", `/rooms/${room.id}/`, null), 401);
    fails(await call("GET", `/rooms/${priv.id}/`, bob), 403);
    fails(await call("GET", `/rooms/${UNKNOWN}/`, alice), 404);
  });

  it("1.4 POST rooms/{room_id}/join/: {message: 成功加入房间}, a group room at once up to max_members; 400 (full), 401, 403 (private), 404", async () => {
    expect(ok(await call("POST", `/rooms/${group.id}/join/`, bob), M.Joined001)).toEqual({ message: "成功加入房间", status: "approved" });
    fails(await call("POST", `/rooms/${group.id}/join/`, carol), 400);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM room_members WHERE room_id = ? AND status = 'active'").bind(group.id).first("n")).toBe(2);
    fails(await call("POST", `/rooms/${room.id}/join/`, null), 401);
    fails(await call("POST", `/rooms/${priv.id}/join/`, carol), 403);
    fails(await call("POST", `/rooms/${UNKNOWN}/join/`, carol), 404);
  });

  it("1.5 POST rooms/{room_id}/leave/: {message: 成功离开房间}; 401, 403 (the owner), 404 (not in it)", async () => {
    ok(await call("POST", `/rooms/${room.id}/join/`, carol), M.Joined001);
    expect(ok(await call("POST", `/rooms/${room.id}/leave/`, carol), M.Done001)).toEqual({ message: "成功离开房间" });
    fails(await call("POST", `/rooms/${room.id}/leave/`, null), 401);
    fails(await call("POST", `/rooms/${room.id}/leave/`, alice), 403);
    fails(await call("POST", `/rooms/${room.id}/leave/`, carol), 404);
  });

  it("1.6 GET rooms/{room_id}/members/: memberships; 400, 401, 403, 404", async () => {
    const members = ok(await call("GET", `/rooms/${room.id}/members/`, alice), M.Member001.array());
    expect(members.find((m) => m.user.id === alice.id)).toMatchObject({ role: "owner", room: { id: room.id, name: room.name }, is_banned: false });
    fails(await call("GET", "/rooms/abc/members/", alice), 400);
    fails(await call("GET", `/rooms/${room.id}/members/`, null), 401);
    fails(await call("GET", `/rooms/${priv.id}/members/`, bob), 403);
    fails(await call("GET", `/rooms/${UNKNOWN}/members/`, alice), 404);
  });
});

describe("001 contract: messages", () => {
  it("2.1 GET rooms/{room_id}/messages/: {messages, page, page_size, total}; 400, 401, 403, 404", async () => {
    const page = ok(await call("GET", `/rooms/${room.id}/messages/?page=1&page_size=20`, alice), M.MessagePage001);
    expect(page).toMatchObject({ page: 1, page_size: 20 });
    expect(page.total).toBeGreaterThanOrEqual(1);
    fails(await call("GET", `/rooms/${room.id}/messages/?page=0`, alice), 400);
    fails(await call("GET", `/rooms/${room.id}/messages/`, null), 401);
    fails(await call("GET", `/rooms/${priv.id}/messages/`, bob), 403);
    fails(await call("GET", `/rooms/${UNKNOWN}/messages/`, alice), 404);
  });

  it("2.2 POST rooms/{room_id}/messages/: 201 the message, reply_to an integer; 400, 401, 403, 404", async () => {
    const first = ok(await call("POST", `/rooms/${room.id}/messages/`, alice, { content: "消息内容", message_type: "text" }), M.Message001, 201);
    const reply = ok(await call("POST", `/rooms/${room.id}/messages/`, bob, { content: "回复", reply_to: first.id }), M.Message001, 201);
    expect(reply).toMatchObject({ reply_to: first.id, room: { id: room.id }, sender: { id: bob.id }, is_edited: false, is_deleted: false });
    fails(await call("POST", `/rooms/${room.id}/messages/`, alice, {}), 400); // content is required
    fails(await call("POST", `/rooms/${room.id}/messages/`, null, { content: "x" }), 401);
    fails(await call("POST", `/rooms/${room.id}/messages/`, carol, { content: "not a member" }), 403);
    fails(await call("POST", `/rooms/${UNKNOWN}/messages/`, alice, { content: "x" }), 404);
  });

  it("2.3 POST messages/{message_id}/read/: {message}; 400, 401, 403, 404", async () => {
    const sent = ok(await call("POST", `/rooms/${room.id}/messages/`, alice, { content: "读我" }), M.Message001, 201);
    expect(ok(await call("POST", `/messages/${sent.id}/read/`, bob), M.Done001)).toEqual({ message: "消息已标记为已读" });
    fails(await call("POST", "/messages/abc/read/", bob), 400);
    fails(await call("POST", `/messages/${sent.id}/read/`, null), 401);
    fails(await call("POST", `/messages/${sent.id}/read/`, carol), 403);
    fails(await call("POST", "/messages/12/read/", bob), 404);
  });

  it("2.4 DELETE messages/{message_id}/delete/: {message}, soft; 400, 401, 403, 404", async () => {
    const sent = ok(await call("POST", `/rooms/${room.id}/messages/`, alice, { content: "删除我" }), M.Message001, 201);
    fails(await call("DELETE", "/messages/abc/delete/", alice), 400);
    fails(await call("DELETE", `/messages/${sent.id}/delete/`, null), 401);
    fails(await call("DELETE", `/messages/${sent.id}/delete/`, bob), 403);
    fails(await call("DELETE", "/messages/12/delete/", alice), 404);
    expect(ok(await call("DELETE", `/messages/${sent.id}/delete/`, alice), M.Done001)).toEqual({ message: "消息已删除" });
    const page = ok(await call("GET", `/rooms/${room.id}/messages/?page_size=100`, alice), M.MessagePage001);
    expect(page.messages.find((m) => m.id === sent.id)).toMatchObject({ is_deleted: true, content: "[消息已删除]" });
  });
});

describe("001 contract: notifications", () => {
  it("3.1 GET notifications/: message (derived, §3.1's example) and mention notifications; 401", async () => {
    const sent = ok(await call("POST", `/rooms/${room.id}/messages/`, alice, { content: `hi @${bob.username}` }), M.Message001, 201);
    await flushRoom(room.id);
    const list = ok(await call("GET", "/notifications/", bob), M.Notification001.array());
    expect(list.find((n) => n.notification_type === "message" && n.room?.id === room.id)).toMatchObject({
      id: sent.id,
      title: `新消息来自 ${alice.username}`,
      message: { id: sent.id, message_type: "text" },
      is_read: false,
    });
    expect(list.find((n) => n.notification_type === "mention")).toMatchObject({ room: { id: room.id }, message: { id: sent.id } });
    fails(await call("GET", "/notifications/", null), 401);
  });

  it("3.2 POST notifications/{notification_id}/read/: {message}; 400, 401, 404", async () => {
    const list = ok(await call("GET", "/notifications/", bob), M.Notification001.array());
    const mention = list.find((n) => n.notification_type === "mention")!;
    const message = list.find((n) => n.notification_type === "message" && n.room?.id === room.id)!;
    fails(await call("POST", "/notifications/abc/read/", bob), 400);
    fails(await call("POST", `/notifications/${mention.id}/read/`, null), 401);
    fails(await call("POST", `/notifications/${mention.id}/read/`, alice), 404);
    fails(await call("POST", `/notifications/${message.id}/read/`, carol), 404);
    for (const n of [mention, message]) expect(ok(await call("POST", `/notifications/${n.id}/read/`, bob), M.Done001)).toEqual({ message: "通知已标记为已读" });
    await flushRoom(room.id);
    const after = ok(await call("GET", "/notifications/", bob), M.Notification001.array());
    expect(after.find((n) => n.id === mention.id)!.is_read).toBe(true);
    expect(after.some((n) => n.notification_type === "message" && n.room?.id === room.id)).toBe(false);
  });
});
