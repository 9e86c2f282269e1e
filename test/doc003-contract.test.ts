// Document 003 (IM API V3) as a client written from its text sees it: every endpoint its list and
// its "接口补充" section name, called at /api/v1 with the document's field types (ids are int), each
// success parsed with the document's models (src/dialects/doc003-im-v3/models.ts: field names,
// types, nullability, the appendix's enums) and each error with its {"detail"} body, at the
// statuses of its error table (400 bad parameters, 401 no or bad token, 403 not allowed, 404 not
// found, 429 too many). A response that breaks a model fails here.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Conversation,
  ConversationMember,
  Detail,
  File as FileModel,
  Message,
  Notification,
  ReadReceipts,
  Token,
  UnreadCount,
  User,
  UserStatusResponse,
} from "../src/dialects/doc003-im-v3/models";
import { api, BASE, flushRoom, makeAdmin, registerUser, uniq, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";

type Res = { status: number; json: any; headers?: Headers };

/** A success: its status, and its body parsed with the document's model (a mismatch fails, naming the field). */
function ok<T extends z.ZodType>(res: Res, schema: T, status = 200): z.output<T> {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  const parsed = schema.safeParse(res.json);
  if (!parsed.success) expect.fail(`${JSON.stringify(res.json).slice(0, 400)} breaks the model: ${z.prettifyError(parsed.error)}`);
  return parsed.data as z.output<T>;
}
/** 204 No Content: no body. */
function none(res: Res) {
  expect(res.status, JSON.stringify(res.json)).toBe(204);
  expect(res.json).toBeNull();
}
/** An error of the table: its status and the {"detail": "..."} body. */
function fail(res: Res, status: 400 | 401 | 403 | 404 | 429) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(Detail.safeParse(res.json).success, JSON.stringify(res.json)).toBe(true);
}

const Obj = z.looseObject({});
const NEVER = 99_999_999;

async function upload(user: TestUser | null, data: Uint8Array, name: string) {
  const form = new FormData();
  form.set("file", new File([data], name));
  const req = new Request(`${BASE}/files/upload`, { method: "POST", body: form });
  const body = await req.arrayBuffer();
  const res = await exports.default.fetch(`${BASE}/files/upload`, {
    method: "POST",
    body,
    headers: { ...(user && { Authorization: `Bearer ${user.token}` }), "Content-Type": req.headers.get("Content-Type")! },
  });
  return { status: res.status, json: (await res.json()) as any };
}

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  api("POST", "/auth/login/access-token", { raw: new URLSearchParams(fields).toString(), headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers } });

describe("doc 003 contract: every listed endpoint refuses a missing or bad token with 401 {detail}", () => {
  // Every endpoint of the list and of 接口补充 that says 认证: 需要, with ids as the document types them.
  const authed: [string, string, unknown?][] = [
    ["GET", "/users/me"],
    ["GET", "/users/search?keyword=x"],
    ["POST", "/users/statuses", { user_ids: [1] }],
    ["GET", "/conversations/"],
    ["POST", "/conversations/single", { target_user_id: 1 }],
    ["POST", "/conversations/group", { name: "x", member_ids: [] }],
    ["GET", "/conversations/1"],
    ["PUT", "/conversations/1", { name: "x" }],
    ["DELETE", "/conversations/1"],
    ["GET", "/conversations/1/members"],
    ["POST", "/conversations/1/members", { user_ids: [1] }],
    ["DELETE", "/conversations/1/members/1"],
    ["PUT", "/conversations/1/members/1", { role: "admin" }],
    ["POST", "/messages/text", { conversation_id: 1, content: "x" }],
    ["POST", "/messages/file", { conversation_id: 1, file_id: 1 }],
    ["GET", "/messages/conversation/1"],
    ["POST", "/messages/mark-read", { conversation_id: 1 }],
    ["POST", "/messages/location", { conversation_id: 1, latitude: 0, longitude: 0 }],
    ["GET", "/messages/search?q=x"],
    ["GET", "/messages/unread/count"],
    ["GET", "/messages/single/1000000001"],
    ["PUT", "/messages/1000000001", { content: "x" }],
    ["POST", "/messages/1000000001/recall"],
    ["GET", "/messages/1000000001/read-receipts"],
    ["POST", "/messages/typing", { conversation_id: 1 }],
    ["GET", "/files/download/1"],
    ["GET", "/files/info/1"],
    ["GET", "/files/list"],
    ["DELETE", "/files/1"],
    ["GET", "/files/download-info/1"],
    ["POST", "/groups/1/members", { user_ids: [1] }],
    ["DELETE", "/groups/1/members/1"],
    ["POST", "/groups/1/invite-code"],
    ["GET", "/groups/1/stats"],
    ["GET", "/groups/search?keyword=x"],
    ["GET", "/notifications/"],
    ["POST", "/notifications/1/mark-read"],
    ["GET", "/notifications/stats"],
    ["POST", "/notifications/", { user_id: 1, title: "x" }],
    ["POST", "/notifications/send", { all: true, title: "x" }],
    ["PATCH", "/notifications/1", { is_read: true }],
    ["DELETE", "/notifications/1"],
    ["POST", "/notifications/mark-read"],
    ["POST", "/notifications/batch-action", { action: "read", all: true }],
    ["GET", "/notifications/preferences/"],
    ["PUT", "/notifications/preferences/", { mention: true }],
    ["GET", "/notifications/templates/"],
    ["POST", "/notifications/templates/", { name: "x", title: "x" }],
    ["GET", "/notifications/templates/1"],
    ["PATCH", "/notifications/templates/1", { title: "x" }],
    ["DELETE", "/notifications/templates/1"],
    ["GET", "/realtime/online-users"],
    ["GET", "/realtime/user-status/1"],
    ["POST", "/realtime/broadcast", { content: "x", all_rooms: true }],
    ["GET", "/realtime/connection-stats"],
    ["POST", "/broadcasts/", { content: "x", all_rooms: true }],
    ["GET", "/broadcasts/"],
    ["POST", "/events/", { type: "check_in" }],
    ["GET", "/events/"],
  ];
  it("all of them, without a token and with a bad one", async () => {
    for (const [method, path, body] of authed) {
      for (const token of [undefined, "not-a-jwt"]) {
        const res = await api(method, path, { token, body });
        expect(res.status, `${method} ${path} ${token ?? "(none)"}: ${JSON.stringify(res.json)}`).toBe(401);
        fail(res, 401);
      }
    }
    const upl = await upload(null, fx.png(4, 3), "a.png");
    fail(upl, 401);
    // WS /realtime/ws: the token goes in ?token=; none or a bad one is refused before the upgrade.
    for (const q of ["", "?token=bad"]) {
      const ws = await exports.default.fetch(`${BASE}/realtime/ws${q}`, { headers: { Upgrade: "websocket" } });
      expect(ws.status).toBe(401);
      expect(Detail.safeParse(await ws.json()).success).toBe(true);
    }
  });
});

describe("doc 003 contract: auth and users", () => {
  it("POST /users/ (UserCreate -> User), POST /auth/login/access-token (form -> token), GET /users/me, GET /users/search, POST /users/statuses", async () => {
    const username = uniq("c3");
    const user = ok(await api("POST", "/users/", { body: { username, password: "password123", email: `${username}@example.com`, full_name: "C Three" } }), User);
    expect(user.username).toBe(username);
    fail(await api("POST", "/users/", { body: { username: uniq("c3") } }), 400);
    fail(await api("POST", "/users/", { body: { username: "x y", password: "password123" } }), 400);

    const token = ok(await form({ username, password: "password123" }), Token);
    fail(await form({ username }), 400);
    fail(await form({ username, password: "wrong-password" }), 401);
    // 429: ten wrong passwords from one address lock the account there.
    const ip = `2001:db8::3:${Date.now().toString(16).slice(-4)}`;
    for (let i = 0; i < 10; i++) fail(await form({ username, password: `guess-${i}-xx` }, { "CF-Connecting-IP": ip }), 401);
    fail(await form({ username, password: "password123" }, { "CF-Connecting-IP": ip }), 429);

    const me = ok(await api("GET", "/users/me", { token: token.access_token }), User);
    expect(me.id).toBe(user.id);
    const found = ok(await api("GET", `/users/search?keyword=${username}`, { token: token.access_token }), z.array(User));
    expect(found.map((u) => u.id)).toEqual([user.id]);
    fail(await api("GET", "/users/search", { token: token.access_token }), 400);

    const statuses = ok(await api("POST", "/users/statuses", { token: token.access_token, body: { user_ids: [user.id] } }), UserStatusResponse);
    expect(statuses.map((s) => s.user_id)).toEqual([user.id]);
    fail(await api("POST", "/users/statuses", { token: token.access_token, body: { user_ids: [] } }), 400);
    fail(await api("POST", "/users/statuses", { token: token.access_token, body: { user_ids: ["1"] } }), 400);
  });
});

describe("doc 003 contract: conversations", () => {
  it("GET /, POST /single, POST /group, GET/PUT/DELETE /{id}, members: list, add, remove, update", async () => {
    const [a, b, c, d] = await Promise.all([registerUser("ca"), registerUser("cb"), registerUser("cc"), registerUser("cd")]);
    const single = ok(await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } }), Conversation);
    expect(single.type).toBe("single");
    fail(await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: String(b.id) } }), 400);
    fail(await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: NEVER } }), 404);
    const blocked = await api("POST", `/users/${a.id}/block`, { token: d.token });
    expect(blocked.status, JSON.stringify(blocked.json)).toBeLessThan(300);
    fail(await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: d.id } }), 403);

    const name = uniq("cgrp");
    const group = ok(await api("POST", "/conversations/group", { token: a.token, body: { name, member_ids: [b.id] } }), Conversation);
    expect(group).toMatchObject({ type: "group", name });
    fail(await api("POST", "/conversations/group", { token: a.token, body: { member_ids: [b.id] } }), 400);
    fail(await api("POST", "/conversations/group", { token: a.token, body: { name: uniq("cgrp"), member_ids: [NEVER] } }), 404);

    const list = ok(await api("GET", "/conversations/", { token: a.token }), z.array(Conversation));
    expect(list.map((x) => x.id)).toEqual(expect.arrayContaining([single.id, group.id]));

    expect(ok(await api("GET", `/conversations/${group.id}`, { token: b.token }), Conversation).type).toBe("group");
    fail(await api("GET", `/conversations/${group.id}`, { token: c.token }), 403);
    fail(await api("GET", `/conversations/${NEVER}`, { token: a.token }), 404);
    fail(await api("GET", "/conversations/abc", { token: a.token }), 400);

    const renamed = ok(await api("PUT", `/conversations/${group.id}`, { token: a.token, body: { description: "c3" } }), Conversation);
    expect(renamed).toMatchObject({ id: group.id, type: "group", description: "c3" });
    fail(await api("PUT", `/conversations/${group.id}`, { token: b.token, body: { description: "no" } }), 403);
    fail(await api("PUT", `/conversations/${group.id}`, { token: a.token, body: { name: 5 } }), 400);
    fail(await api("PUT", `/conversations/${NEVER}`, { token: a.token, body: { description: "x" } }), 404);

    const added = ok(await api("POST", `/conversations/${group.id}/members`, { token: a.token, body: { user_ids: [c.id] } }), z.looseObject({ added: z.array(ConversationMember) }));
    expect(added.added.map((m) => m.user_id)).toEqual([c.id]);
    fail(await api("POST", `/conversations/${group.id}/members`, { token: b.token, body: { user_ids: [d.id] } }), 403);
    fail(await api("POST", `/conversations/${group.id}/members`, { token: a.token, body: { user_ids: [NEVER] } }), 404);
    fail(await api("POST", `/conversations/${group.id}/members`, { token: a.token, body: { user_ids: [] } }), 400);
    fail(await api("POST", `/conversations/${NEVER}/members`, { token: a.token, body: { user_ids: [c.id] } }), 404);

    const members = ok(await api("GET", `/conversations/${group.id}/members`, { token: b.token }), z.array(ConversationMember));
    expect(members.map((m) => [m.user_id, m.role])).toEqual([[a.id, "owner"], [b.id, "member"], [c.id, "member"]]);
    // The id a client reads off the list is the one the member paths take.
    expect(members.map((m) => m.id)).toEqual([a.id, b.id, c.id]);
    fail(await api("GET", `/conversations/${group.id}/members`, { token: d.token }), 403);
    fail(await api("GET", `/conversations/${NEVER}/members`, { token: a.token }), 404);

    const promoted = ok(await api("PUT", `/conversations/${group.id}/members/${members[1].id}`, { token: a.token, body: { role: "admin" } }), ConversationMember);
    expect(promoted).toMatchObject({ user_id: b.id, role: "admin" });
    fail(await api("PUT", `/conversations/${group.id}/members/${c.id}`, { token: b.token, body: { role: "admin" } }), 403);
    fail(await api("PUT", `/conversations/${group.id}/members/${c.id}`, { token: a.token, body: { role: "king" } }), 400);
    fail(await api("PUT", `/conversations/${group.id}/members/${d.id}`, { token: a.token, body: { role: "admin" } }), 404);

    // Removing a member really removes them from the list.
    none(await api("DELETE", `/conversations/${group.id}/members/${members[2].id}`, { token: a.token }));
    const after = ok(await api("GET", `/conversations/${group.id}/members`, { token: a.token }), z.array(ConversationMember));
    expect(after.map((m) => m.user_id)).toEqual([a.id, b.id]);
    fail(await api("GET", `/conversations/${group.id}`, { token: c.token }), 403);
    fail(await api("DELETE", `/conversations/${group.id}/members/${c.id}`, { token: a.token }), 404);
    fail(await api("DELETE", `/conversations/${group.id}/members/${a.id}`, { token: b.token }), 403);

    // DELETE: the owner deletes a group for everyone; a member may not.
    fail(await api("DELETE", `/conversations/${group.id}`, { token: b.token }), 403);
    none(await api("DELETE", `/conversations/${group.id}`, { token: a.token }));
    fail(await api("GET", `/conversations/${group.id}`, { token: a.token }), 404);
    fail(await api("GET", `/conversations/${group.id}`, { token: b.token }), 404);
    fail(await api("DELETE", `/conversations/${group.id}`, { token: a.token }), 404);
  });

  it("DELETE /conversations/{id} of a single conversation: gone for the caller (404, not listed, history cleared); the other side keeps it", async () => {
    const [a, b] = await Promise.all([registerUser("da"), registerUser("db")]);
    const single = ok(await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } }), Conversation);
    ok(await api("POST", "/messages/text", { token: b.token, body: { conversation_id: single.id, content: "before" } }), Message);
    none(await api("DELETE", `/conversations/${single.id}`, { token: a.token }));
    await flushRoom(single.id);
    fail(await api("GET", `/conversations/${single.id}`, { token: a.token }), 404);
    fail(await api("DELETE", `/conversations/${single.id}`, { token: a.token }), 404);
    expect(ok(await api("GET", "/conversations/", { token: a.token }), z.array(Conversation)).map((x) => x.id)).not.toContain(single.id);
    expect(ok(await api("GET", `/messages/conversation/${single.id}`, { token: a.token }), z.array(Message))).toEqual([]);
    // The other side keeps the conversation and its history.
    ok(await api("GET", `/conversations/${single.id}`, { token: b.token }), Conversation);
    expect(ok(await api("GET", `/messages/conversation/${single.id}`, { token: b.token }), z.array(Message)).map((m) => m.content)).toEqual(["before"]);
    // Their next message brings it back to the caller, with that message only.
    ok(await api("POST", "/messages/text", { token: b.token, body: { conversation_id: single.id, content: "after" } }), Message);
    await flushRoom(single.id);
    ok(await api("GET", `/conversations/${single.id}`, { token: a.token }), Conversation);
    expect(ok(await api("GET", `/messages/conversation/${single.id}`, { token: a.token }), z.array(Message)).map((m) => m.content)).toEqual(["after"]);
    // So does opening it again.
    none(await api("DELETE", `/conversations/${single.id}`, { token: a.token }));
    expect(ok(await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } }), Conversation).id).toBe(single.id);
    ok(await api("GET", `/conversations/${single.id}`, { token: a.token }), Conversation);
  });
});

describe("doc 003 contract: messages", () => {
  it("text, file, location, history, mark-read, search, unread count, single, edit, recall, read receipts, typing", async () => {
    const [a, b, c] = await Promise.all([registerUser("ma"), registerUser("mb"), registerUser("mc")]);
    const cid = ok(await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } }), Conversation).id;

    const hello = ok(await api("POST", "/messages/text", { token: a.token, body: { conversation_id: cid, content: "hello contract" } }), Message);
    expect(hello).toMatchObject({ conversation_id: cid, sender_id: a.id, message_type: "text", content: "hello contract", reply_to_id: null });
    const reply = ok(await api("POST", "/messages/text", { token: b.token, body: { conversation_id: cid, content: "hi", reply_to_id: hello.id } }), Message);
    expect(reply.reply_to_id).toBe(hello.id);
    fail(await api("POST", "/messages/text", { token: a.token, body: { conversation_id: String(cid), content: "x" } }), 400);
    fail(await api("POST", "/messages/text", { token: a.token, body: { conversation_id: cid, content: "x".repeat(5001) } }), 400);
    fail(await api("POST", "/messages/text", { token: c.token, body: { conversation_id: cid, content: "x" } }), 403);
    fail(await api("POST", "/messages/text", { token: a.token, body: { conversation_id: NEVER, content: "x" } }), 404);

    const up = ok(await upload(a, fx.png(4, 3), "pic.png"), FileModel, 201);
    const pic = ok(await api("POST", "/messages/file", { token: a.token, body: { conversation_id: cid, file_id: up.id, message_type: "image" } }), Message);
    expect(pic).toMatchObject({ message_type: "image", file_id: up.id });
    fail(await api("POST", "/messages/file", { token: a.token, body: { conversation_id: cid, file_id: up.id, message_type: "sticker" } }), 400);
    fail(await api("POST", "/messages/file", { token: a.token, body: { conversation_id: cid, file_id: NEVER } }), 404);
    fail(await api("POST", "/messages/file", { token: c.token, body: { conversation_id: cid, file_id: up.id } }), 403);

    const place = ok(await api("POST", "/messages/location", { token: a.token, body: { conversation_id: cid, latitude: 31.23, longitude: 121.47 } }), Message);
    expect(place).toMatchObject({ message_type: "text", content: "31.23, 121.47" });
    fail(await api("POST", "/messages/location", { token: a.token, body: { conversation_id: cid, latitude: 91, longitude: 0 } }), 400);
    fail(await api("POST", "/messages/location", { token: c.token, body: { conversation_id: cid, latitude: 1, longitude: 1 } }), 403);

    const history = ok(await api("GET", `/messages/conversation/${cid}?skip=0&limit=100`, { token: b.token }), z.array(Message));
    expect(history.map((m) => m.id)).toEqual([hello.id, reply.id, pic.id, place.id]);
    expect(history[1].reply_to_id).toBe(hello.id);
    fail(await api("GET", `/messages/conversation/${cid}?limit=0`, { token: b.token }), 400);
    fail(await api("GET", `/messages/conversation/${cid}`, { token: c.token }), 403);
    fail(await api("GET", `/messages/conversation/${NEVER}`, { token: b.token }), 404);

    await flushRoom(cid);
    // b's own reply counts as having read up to it: the file and the location are unread.
    expect(ok(await api("GET", "/messages/unread/count", { token: b.token }), UnreadCount).unread_count).toBe(2);
    none(await api("POST", "/messages/mark-read", { token: b.token, body: { conversation_id: cid, message_id: place.id } }));
    expect(ok(await api("GET", "/messages/unread/count", { token: b.token }), UnreadCount).unread_count).toBe(0);
    fail(await api("POST", "/messages/mark-read", { token: b.token, body: { conversation_id: cid, message_id: "x" } }), 400);
    fail(await api("POST", "/messages/mark-read", { token: c.token, body: { conversation_id: cid } }), 403);
    fail(await api("POST", "/messages/mark-read", { token: b.token, body: { conversation_id: NEVER } }), 404);

    const hits = ok(await api("GET", "/messages/search?q=contract", { token: b.token }), z.array(z.looseObject({ message: z.looseObject({ content_text: z.string() }) })));
    expect(hits.map((h) => h.message.content_text)).toEqual(["hello contract"]);
    fail(await api("GET", "/messages/search", { token: b.token }), 400);

    expect(ok(await api("GET", `/messages/single/${hello.id}`, { token: b.token }), Message).content).toBe("hello contract");
    fail(await api("GET", `/messages/single/${NEVER}`, { token: b.token }), 404);
    fail(await api("GET", `/messages/single/${cid * 1_000_000_000 + 99}`, { token: b.token }), 404);
    fail(await api("GET", "/messages/single/123456789012345678901", { token: b.token }), 404);
    fail(await api("GET", "/messages/single/abc", { token: b.token }), 400);
    fail(await api("GET", `/messages/single/${hello.id}`, { token: c.token }), 403);

    const edited = ok(await api("PUT", `/messages/${hello.id}`, { token: a.token, body: { content: "edited contract" } }), Message);
    expect(edited).toMatchObject({ id: hello.id, content: "edited contract" });
    fail(await api("PUT", `/messages/${hello.id}`, { token: b.token, body: { content: "not mine" } }), 403);
    fail(await api("PUT", `/messages/${NEVER}`, { token: a.token, body: { content: "x" } }), 404);
    fail(await api("PUT", `/messages/${hello.id}`, { token: a.token, body: { content: 5 } }), 400);

    const receipts = ok(await api("GET", `/messages/${place.id}/read-receipts`, { token: a.token }), ReadReceipts);
    expect(receipts.message_id).toBe(place.id);
    expect(receipts.read_by.map((r) => r.user_id)).toContain(b.id);
    fail(await api("GET", `/messages/${NEVER}/read-receipts`, { token: a.token }), 404);
    fail(await api("GET", `/messages/${place.id}/read-receipts`, { token: c.token }), 403);

    none(await api("POST", "/messages/typing", { token: a.token, body: { conversation_id: cid, is_typing: true } }));
    fail(await api("POST", "/messages/typing", { token: a.token, body: { conversation_id: cid, is_typing: "yes" } }), 400);
    fail(await api("POST", "/messages/typing", { token: c.token, body: { conversation_id: cid } }), 403);

    fail(await api("POST", `/messages/${reply.id}/recall`, { token: a.token }), 403);
    none(await api("POST", `/messages/${reply.id}/recall`, { token: b.token }));
    fail(await api("POST", `/messages/${reply.id}/recall`, { token: b.token }), 404);
    fail(await api("POST", `/messages/${NEVER}/recall`, { token: b.token }), 404);
    const recalled = ok(await api("GET", `/messages/conversation/${cid}`, { token: a.token }), z.array(Message)).find((m) => m.id === reply.id);
    expect(recalled?.deleted).toBe(true);
  });

  it("POST /messages/text: 429 past the send rate", async () => {
    const [a, b] = await Promise.all([registerUser("ra"), registerUser("rb")]);
    const cid = ok(await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } }), Conversation).id;
    // The test config allows 100 a second with a burst of 150: 250 at once go over it.
    const sent = await Promise.all(Array.from({ length: 250 }, (_, i) => api("POST", "/messages/text", { token: a.token, body: { conversation_id: cid, content: `m${i}` } })));
    const refused = sent.find((r) => r.status === 429);
    expect(refused, "no 429 among 250 sends at once").toBeDefined();
    for (const r of sent.filter((r) => r.status !== 429)) ok(r, Message);
    fail(refused!, 429);
    expect(Number(refused!.headers!.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  });
});

describe("doc 003 contract: files", () => {
  it("upload, download, info, list, download-info, delete", async () => {
    const [a, b] = await Promise.all([registerUser("fa"), registerUser("fb")]);
    const file = ok(await upload(a, fx.pdf(), "doc.pdf"), FileModel, 201);
    const noFile = await exports.default.fetch(`${BASE}/files/upload`, { method: "POST", body: new FormData(), headers: { Authorization: `Bearer ${a.token}` } });
    expect(noFile.status).toBe(400);
    expect(Detail.safeParse(await noFile.json()).success).toBe(true);

    const bytes = await exports.default.fetch(`${BASE}/files/download/${file.id}`, { headers: { Authorization: `Bearer ${a.token}` } });
    expect(bytes.status).toBe(200);
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(fx.pdf());
    fail(await api("GET", `/files/download/${NEVER}`, { token: a.token }), 404);

    expect(ok(await api("GET", `/files/info/${file.id}`, { token: a.token }), FileModel).id).toBe(file.id);
    fail(await api("GET", `/files/info/${NEVER}`, { token: a.token }), 404);
    fail(await api("GET", "/files/info/abc", { token: a.token }), 400);
    const dl = ok(await api("GET", `/files/download-info/${file.id}`, { token: a.token }), FileModel.extend({ url: z.string() }));
    expect((await exports.default.fetch(new URL(dl.url, BASE))).status).toBe(200);
    fail(await api("GET", `/files/download-info/${NEVER}`, { token: a.token }), 404);
    expect(ok(await api("GET", "/files/list", { token: a.token }), z.array(FileModel)).map((f) => f.id)).toContain(file.id);
    fail(await api("GET", "/files/list?limit=0", { token: a.token }), 400);

    const del = await api("DELETE", `/files/${file.id}`, { token: b.token });
    expect([403, 404]).toContain(del.status);
    fail(del, del.status as 403 | 404);
    none(await api("DELETE", `/files/${file.id}`, { token: a.token }));
    fail(await api("DELETE", `/files/${file.id}`, { token: a.token }), 404);
  });
});

describe("doc 003 contract: groups", () => {
  it("POST/DELETE /{id}/members answer schemas.Conversation; invite-code; stats; search", async () => {
    const [owner, m1, m2, out] = await Promise.all([registerUser("go"), registerUser("g1"), registerUser("g2"), registerUser("gx")]);
    const name = uniq("cpub");
    const gid = (await api("POST", "/chat-rooms/", { token: owner.token, body: { name, visibility: "public" } })).json.id as number;

    const grown = ok(await api("POST", `/groups/${gid}/members`, { token: owner.token, body: { user_ids: [m1.id, m2.id] } }), Conversation);
    expect(grown).toMatchObject({ id: gid, type: "group", name, members_count: 3 });
    fail(await api("POST", `/groups/${gid}/members`, { token: m1.token, body: { user_ids: [out.id] } }), 403);
    fail(await api("POST", `/groups/${gid}/members`, { token: owner.token, body: { user_ids: [NEVER] } }), 404);
    fail(await api("POST", `/groups/${gid}/members`, { token: owner.token, body: { user_ids: [String(out.id)] } }), 400);
    fail(await api("POST", `/groups/${NEVER}/members`, { token: owner.token, body: { user_ids: [out.id] } }), 404);

    const shrunk = ok(await api("DELETE", `/groups/${gid}/members/${m2.id}`, { token: owner.token }), Conversation);
    expect(shrunk).toMatchObject({ id: gid, type: "group", members_count: 2 });
    expect(ok(await api("GET", `/conversations/${gid}/members`, { token: owner.token }), z.array(ConversationMember)).map((m) => m.user_id)).toEqual([owner.id, m1.id]);
    // Leaving: the conversation as it is after you left.
    const left = ok(await api("DELETE", `/groups/${gid}/members/${m1.id}`, { token: m1.token }), Conversation);
    expect(left).toMatchObject({ id: gid, members_count: 1 });
    fail(await api("DELETE", `/groups/${gid}/members/${owner.id}`, { token: out.token }), 403);
    fail(await api("DELETE", `/groups/${gid}/members/${m2.id}`, { token: owner.token }), 404);
    fail(await api("DELETE", `/groups/${gid}/members/abc`, { token: owner.token }), 400);

    const code = ok(await api("POST", `/groups/${gid}/invite-code`, { token: owner.token }), z.looseObject({ code: z.string() }));
    expect(code.code.length).toBeGreaterThan(0);
    fail(await api("POST", `/groups/${gid}/invite-code`, { token: out.token }), 403);
    fail(await api("POST", `/groups/${gid}/invite-code`, { token: owner.token, body: { max_uses: "many" } }), 400);
    fail(await api("POST", `/groups/${NEVER}/invite-code`, { token: owner.token }), 404);

    const stats = ok(await api("GET", `/groups/${gid}/stats`, { token: owner.token }), z.looseObject({ members_count: z.number().int() }));
    expect(stats.members_count).toBe(1);
    fail(await api("GET", `/groups/${NEVER}/stats`, { token: owner.token }), 404);

    const found = ok(await api("GET", `/groups/search?keyword=${name}`, { token: out.token }), z.array(Conversation));
    expect(found.map((g) => [g.id, g.type])).toEqual([[gid, "group"]]);
    fail(await api("GET", "/groups/search", { token: out.token }), 400);
  });
});

describe("doc 003 contract: notifications", () => {
  it("GET /, POST /{id}/mark-read (204) and every 接口补充 path", async () => {
    const [admin, u] = await Promise.all([registerUser("na"), registerUser("nu")]);
    await makeAdmin(admin);
    ok(await api("POST", "/notifications/", { token: admin.token, body: { user_id: u.id, title: "one", content: "c3" } }), Obj);
    fail(await api("POST", "/notifications/", { token: u.token, body: { user_id: admin.id, title: "x" } }), 403);
    fail(await api("POST", "/notifications/", { token: admin.token, body: { user_id: String(u.id), title: "x" } }), 400);
    ok(await api("POST", "/notifications/send", { token: admin.token, body: { user_ids: [u.id], title: "two" } }), Obj);
    fail(await api("POST", "/notifications/send", { token: u.token, body: { user_ids: [admin.id], title: "x" } }), 403);
    fail(await api("POST", "/notifications/send", { token: admin.token, body: { title: "x" } }), 400);

    const list = ok(await api("GET", "/notifications/", { token: u.token }), z.array(Notification));
    expect(list.map((n) => [n.title, n.is_read])).toEqual([["two", false], ["one", false]]);
    none(await api("POST", `/notifications/${list[0].id}/mark-read`, { token: u.token }));
    fail(await api("POST", `/notifications/${NEVER}/mark-read`, { token: u.token }), 404);
    fail(await api("POST", `/notifications/${list[0].id}/mark-read`, { token: admin.token }), 404);
    fail(await api("POST", "/notifications/abc/mark-read", { token: u.token }), 400);

    expect(ok(await api("GET", "/notifications/stats", { token: u.token }), z.looseObject({ unread: z.number().int() })).unread).toBe(1);
    const patched = ok(await api("PATCH", `/notifications/${list[0].id}`, { token: u.token, body: { is_read: false } }), Notification);
    expect(patched.is_read).toBe(false);
    fail(await api("PATCH", `/notifications/${list[0].id}`, { token: u.token, body: { is_read: "no" } }), 400);
    fail(await api("PATCH", `/notifications/${NEVER}`, { token: u.token, body: { is_read: true } }), 404);
    none(await api("POST", "/notifications/mark-read", { token: u.token, body: { ids: [list[0].id] } }));
    none(await api("POST", "/notifications/mark-read", { token: u.token }));
    fail(await api("POST", "/notifications/mark-read", { token: u.token, body: { ids: ["x"] } }), 400);
    ok(await api("POST", "/notifications/batch-action", { token: u.token, body: { action: "unread", all: true } }), z.looseObject({ affected: z.number().int() }));
    fail(await api("POST", "/notifications/batch-action", { token: u.token, body: { action: "explode", all: true } }), 400);
    const del = await api("DELETE", `/notifications/${list[1].id}`, { token: u.token });
    expect(del.status).toBeLessThan(300);
    fail(await api("DELETE", `/notifications/${list[1].id}`, { token: u.token }), 404);

    const prefs = ok(await api("GET", "/notifications/preferences/", { token: u.token }), z.looseObject({ system: z.boolean() }));
    expect(prefs.system).toBe(true);
    expect(ok(await api("PUT", "/notifications/preferences/", { token: u.token, body: { mention: false } }), z.looseObject({ mention: z.boolean() })).mention).toBe(false);
    fail(await api("PUT", "/notifications/preferences/", { token: u.token, body: { mention: "off" } }), 400);

    const Template = z.looseObject({ id: z.number().int(), name: z.string(), title: z.string() });
    const tname = uniq("tpl").toLowerCase();
    const tpl = ok(await api("POST", "/notifications/templates/", { token: admin.token, body: { name: tname, title: "Hi {{who}}" } }), Template, 201);
    fail(await api("POST", "/notifications/templates/", { token: u.token, body: { name: uniq("tpl").toLowerCase(), title: "x" } }), 403);
    fail(await api("POST", "/notifications/templates/", { token: admin.token, body: { name: "Bad Name", title: "x" } }), 400);
    expect(ok(await api("GET", "/notifications/templates/", { token: admin.token }), z.array(Template)).map((t) => t.id)).toContain(tpl.id);
    expect(ok(await api("GET", `/notifications/templates/${tpl.id}`, { token: admin.token }), Template).name).toBe(tname);
    fail(await api("GET", `/notifications/templates/${NEVER}`, { token: admin.token }), 404);
    fail(await api("GET", `/notifications/templates/${tpl.id}`, { token: u.token }), 403);
    expect(ok(await api("PATCH", `/notifications/templates/${tpl.id}`, { token: admin.token, body: { title: "Hello" } }), Template).title).toBe("Hello");
    fail(await api("PATCH", `/notifications/templates/${tpl.id}`, { token: admin.token, body: { title: 5 } }), 400);
    none(await api("DELETE", `/notifications/templates/${tpl.id}`, { token: admin.token }));
    fail(await api("DELETE", `/notifications/templates/${tpl.id}`, { token: admin.token }), 404);
  });
});

describe("doc 003 contract: realtime, broadcasts, events", () => {
  it("online-users, user-status, broadcast, connection-stats; /broadcasts and /events (待设计)", async () => {
    const [a, b, admin] = await Promise.all([registerUser("oa"), registerUser("ob"), registerUser("oc")]);
    await makeAdmin(admin);
    const cid = ok(await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } }), Conversation).id;
    expect((await api("POST", "/users/me/heartbeat", { token: b.token })).status).toBeLessThan(300);
    expect(ok(await api("GET", "/realtime/online-users", { token: a.token }), z.array(User)).map((u) => u.id)).toContain(b.id);
    fail(await api("GET", "/realtime/online-users?limit=0", { token: a.token }), 400);
    const status = ok(await api("GET", `/realtime/user-status/${b.id}`, { token: a.token }), z.looseObject({ user_id: z.number().int(), online: z.boolean().nullable() }));
    expect(status).toMatchObject({ user_id: b.id, online: true });
    fail(await api("GET", "/realtime/user-status/abc", { token: a.token }), 400);
    ok(await api("GET", "/realtime/connection-stats", { token: a.token }), z.looseObject({ online_users_count: z.number().int() }));

    const Broadcast = z.looseObject({ id: z.number().int(), content: z.string() });
    fail(await api("POST", "/realtime/broadcast", { token: a.token, body: { content: "hi", room_ids: [cid] } }), 403);
    fail(await api("POST", "/realtime/broadcast", { token: admin.token, body: { content: "" , all_rooms: true } }), 400);
    const rid = (await api("POST", "/chat-rooms/", { token: admin.token, body: { name: uniq("bc") } })).json.id as number;
    ok(await api("POST", "/realtime/broadcast", { token: admin.token, body: { content: "hello rooms", room_ids: [rid] } }), Broadcast, 202);
    ok(await api("POST", "/broadcasts/", { token: admin.token, body: { content: "again", room_ids: [rid] } }), Broadcast, 202);
    fail(await api("POST", "/broadcasts/", { token: a.token, body: { content: "x", room_ids: [rid] } }), 403);
    expect(ok(await api("GET", "/broadcasts/", { token: admin.token }), z.array(Broadcast)).length).toBeGreaterThanOrEqual(2);

    const Event = z.looseObject({ id: z.number().int(), type: z.string(), user_id: z.number().int() });
    const ev = ok(await api("POST", "/events/", { token: a.token, body: { type: "check_in" } }), Event, 201);
    fail(await api("POST", "/events/", { token: a.token, body: { type: "Not A Type" } }), 400);
    fail(await api("POST", "/events/", { token: a.token, body: { type: "alarm", room_id: NEVER } }), 404);
    expect(ok(await api("GET", "/events/", { token: a.token }), z.array(Event)).map((e) => e.id)).toContain(ev.id);
    fail(await api("GET", "/events/?limit=0", { token: a.token }), 400);
    // At most 60 reports a minute per user.
    const reports = await Promise.all(Array.from({ length: 60 }, () => api("POST", "/events/", { token: b.token, body: { type: "tick" } })));
    expect(reports.filter((r) => r.status === 201)).toHaveLength(60);
    fail(await api("POST", "/events/", { token: b.token, body: { type: "tick" } }), 429);
  });
});
