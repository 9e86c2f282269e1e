// Document 003 (IM API V3, /api/v1 beside the core): single and group conversations, the message
// lifecycle (edit, recall, receipts, unread), files, groups, notifications, realtime, and delivery
// of a conversation's messages to the user's own socket (/realtime/ws).
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, BASE, expectError, flushRoom, makeAdmin, registerUser, uniq, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";
import { Client } from "./ws";

const G = 1_000_000_000;

async function upload(user: TestUser, data: Uint8Array, name: string, path = "/files/upload") {
  const form = new FormData();
  form.set("file", new File([data], name));
  const req = new Request(`${BASE}${path}`, { method: "POST", body: form, headers: { Authorization: `Bearer ${user.token}` } });
  const body = await req.arrayBuffer();
  const res = await exports.default.fetch(`${BASE}${path}`, {
    method: "POST",
    body,
    headers: { Authorization: `Bearer ${user.token}`, "Content-Type": req.headers.get("Content-Type")!, "Content-Length": String(body.byteLength) },
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe("doc 003: users and auth", () => {
  it("POST /users/ creates a user without a token; login/access-token; search by keyword; statuses", async () => {
    const username = uniq("v3");
    const created = await api("POST", "/users/", { body: { username, password: "password123", email: `${username}@example.com`, full_name: "Vee Three" } });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    expect(created.json).toMatchObject({ username, display_name: "Vee Three", email: `${username}@example.com` });
    expect(created.json).not.toHaveProperty("access_token");
    expectError(await api("POST", "/users/", { body: { username, password: "password123" } }), 409, "username_taken");
    expectError(await api("POST", "/users/", { body: { username: uniq("v3"), password: "short" } }), 400, "invalid_request");
    const login = await exports.default.fetch(`${BASE}/auth/login/access-token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username, password: "password123" }),
    });
    const token = ((await login.json()) as any).access_token as string;
    expect(login.status).toBe(200);
    const me = await api("GET", "/users/me", { token });
    expect(me.json.username).toBe(username);
    const found = await api("GET", `/users/search?keyword=${username}`, { token });
    expect(found.status).toBe(200);
    expect(found.json.map((u: any) => u.id)).toEqual([me.json.id]);
    expectError(await api("GET", "/users/search", { token }), 400, "invalid_request");
    // Other users routes still need a token.
    expectError(await api("GET", "/users/me"), 401);
    const statuses = await api("POST", "/users/statuses", { token, body: { user_ids: [me.json.id] } });
    expect(statuses.status).toBe(200);
    expect(statuses.json).toHaveLength(1);
    expect(statuses.json[0]).toMatchObject({ user_id: me.json.id, online: false });
    expectError(await api("POST", "/users/statuses", { token, body: { user_ids: [] } }), 400);
  });
});

describe("doc 003: conversations and messages", () => {
  it("single conversation: create, read, list with type, members; delete makes it gone for you", async () => {
    const [a, b] = await Promise.all([registerUser("s1"), registerUser("s2")]);
    const single = await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } });
    expect(single.status, JSON.stringify(single.json)).toBe(200);
    expect(single.json).toMatchObject({ kind: "direct", type: "single", peer: { id: b.id } });
    const id = single.json.id;
    expect((await api("GET", `/conversations/${id}`, { token: a.token })).json).toMatchObject({ id, type: "single" });
    const list = await api("GET", "/conversations/", { token: b.token });
    expect(list.json.find((x: any) => x.id === id)).toMatchObject({ type: "single", kind: "direct" });
    const members = await api("GET", `/conversations/${id}/members`, { token: a.token });
    expect(members.json.map((m: any) => m.member_id).sort()).toEqual([a.id, b.id].sort());
    expectError(await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: 999_999_999 } }), 404);
    expectError(await api("POST", "/conversations/single", { token: a.token, body: {} }), 400, "invalid_request");
    const gone = await api("DELETE", `/conversations/${id}`, { token: a.token });
    expect(gone.status).toBe(204);
    expect((await api("GET", "/conversations/", { token: a.token })).json.find((x: any) => x.id === id)).toBeUndefined();
    expectError(await api("GET", `/conversations/${id}`, { token: a.token }), 404);
    expect((await api("GET", `/conversations/${id}`, { token: b.token })).status).toBe(200);
    expect((await api("GET", "/conversations/", { token: b.token })).json.find((x: any) => x.id === id)).toBeDefined();
  });

  it("group conversation: members added, roles, removed; update and delete by its owner", async () => {
    const [owner, m1, m2, m3] = await Promise.all([registerUser("g0"), registerUser("g1"), registerUser("g2"), registerUser("g3")]);
    const group = await api("POST", "/conversations/group", { token: owner.token, body: { name: uniq("grp"), member_ids: [m1.id] } });
    expect(group.status, JSON.stringify(group.json)).toBe(200);
    const gid = group.json.id;
    const added = await api("POST", `/conversations/${gid}/members`, { token: owner.token, body: { user_ids: [m2.id] } });
    expect(added.json.added.map((m: any) => m.member_id)).toEqual([m2.id]);
    // Under /groups the answer is the conversation (schemas.Conversation), now with four members.
    const viaGroups = await api("POST", `/groups/${gid}/members`, { token: owner.token, body: { user_ids: [m3.id] } });
    expect(viaGroups.json).toMatchObject({ id: gid, type: "group", members_count: 4 });
    expectError(await api("POST", `/groups/${gid}/members`, { token: m1.token, body: { user_ids: [m3.id] } }), 403);
    const role = await api("PUT", `/conversations/${gid}/members/${m1.id}`, { token: owner.token, body: { role: "admin" } });
    expect(role.json).toMatchObject({ member_id: m1.id, role: "admin" });
    const removed = await api("DELETE", `/groups/${gid}/members/${m3.id}`, { token: m1.token });
    expect(removed.status).toBe(200);
    expect(removed.json).toMatchObject({ id: gid, type: "group", members_count: 3 });
    expect((await api("DELETE", `/conversations/${gid}/members/${m2.id}`, { token: owner.token })).status).toBe(204);
    expect((await api("GET", `/conversations/${gid}/members`, { token: owner.token })).json.map((m: any) => m.member_id)).toEqual([owner.id, m1.id]);
    const renamed = await api("PUT", `/conversations/${gid}`, { token: owner.token, body: { description: "v3 group" } });
    expect(renamed.json.description).toBe("v3 group");
    expect((await api("GET", `/conversations/${gid}`, { token: m1.token })).json).toMatchObject({ type: "group", description: "v3 group" });
    expectError(await api("DELETE", `/conversations/${gid}`, { token: m1.token }), 403);
    expectError(await api("GET", `/conversations/abc`, { token: owner.token }), 400, "invalid_request");
    expect((await api("DELETE", `/conversations/${gid}`, { token: owner.token })).status).toBe(204);
    expectError(await api("GET", `/conversations/${gid}`, { token: owner.token }), 404);
  });

  it("message lifecycle: text, location, history with skip/limit, single, edit, receipts, unread, mark-read, recall (window), typing, search", async () => {
    const [a, b, c] = await Promise.all([registerUser("m1"), registerUser("m2"), registerUser("m3")]);
    const cid = (await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } })).json.id;
    const hello = await api("POST", "/messages/text", { token: a.token, body: { conversation_id: cid, content: "hello v3" } });
    expect(hello.status, JSON.stringify(hello.json)).toBe(200);
    expect(hello.json).toMatchObject({ id: cid * G + 1, room_message_id: 1, conversation_id: cid, content: "hello v3", content_text: "hello v3", message_type: "text", sender_id: a.id });
    expect(hello.json.created_at).toBe(hello.json.sent_at);
    const reply = await api("POST", "/messages/text", { token: b.token, body: { conversation_id: cid, content: "hi", reply_to_id: hello.json.id } });
    expect(reply.json.reply_to_id).toBe(hello.json.id);
    const where = await api("POST", "/messages/location", { token: a.token, body: { conversation_id: cid, latitude: 31.23, longitude: 121.47, name: "Bund" } });
    // 003's MessageType has no location: a location is a text (its name as content), the place in `location`.
    expect(where.json).toMatchObject({ message_type: "text", content: "Bund", location: { latitude: 31.23, longitude: 121.47, name: "Bund", address: null } });
    expectError(await api("POST", "/messages/text", { token: c.token, body: { conversation_id: cid, content: "intruder" } }), 403);
    expectError(await api("POST", "/messages/text", { token: a.token, body: { conversation_id: cid, content: "x", reply_to_id: (cid + 1) * G + 1 } }), 400, "invalid_message_id");
    expectError(await api("POST", "/messages/text", { token: a.token, body: { content: "x" } }), 400, "invalid_request");
    expectError(await api("POST", "/messages/text", { token: a.token, body: { conversation_id: cid, content: "x".repeat(5001) } }), 400, "invalid_request");
    expectError(await api("POST", "/messages/location", { token: a.token, body: { conversation_id: cid, latitude: 91, longitude: 0 } }), 400, "invalid_request");

    const page = await api("GET", `/messages/conversation/${cid}?skip=1&limit=1`, { token: b.token });
    expect(page.json.map((m: any) => m.content)).toEqual(["hi"]);
    const all = await api("GET", `/messages/conversation/${cid}`, { token: b.token });
    expect(all.json.map((m: any) => m.id)).toEqual([cid * G + 1, cid * G + 2, cid * G + 3]);
    expectError(await api("GET", `/messages/conversation/${cid}?limit=1000`, { token: b.token }), 400);
    expectError(await api("GET", `/messages/conversation/${cid}`, { token: c.token }), 403);
    expect((await api("GET", `/messages/single/${hello.json.id}`, { token: b.token })).json.content).toBe("hello v3");
    expectError(await api("GET", `/messages/single/${cid * G + 99}`, { token: b.token }), 404, "message_not_found");
    // An id the server never issued is unknown (404), whatever its shape.
    expectError(await api("GET", `/messages/single/5`, { token: b.token }), 404, "message_not_found");

    const edited = await api("PUT", `/messages/${hello.json.id}`, { token: a.token, body: { content: "hello, edited" } });
    expect(edited.json).toMatchObject({ id: hello.json.id, content: "hello, edited" });
    expect(edited.json.edited_at).not.toBeNull();
    expectError(await api("PUT", `/messages/${hello.json.id}`, { token: b.token, body: { content: "not mine" } }), 403, "not_your_message");

    // Unread and read state.
    await flushRoom(cid);
    const unread = await api("GET", "/messages/unread/count", { token: b.token });
    expect(unread.json.unread_count).toBe(unread.json.unread_messages);
    expect(unread.json.unread_count).toBeGreaterThanOrEqual(1);
    const marked = await api("POST", "/messages/mark-read", { token: b.token, body: { conversation_id: cid, message_id: where.json.id } });
    expect(marked.status).toBe(204);
    expect((await api("GET", "/messages/unread/count", { token: b.token })).json.unread_count).toBe(0);
    expectError(await api("POST", "/messages/mark-read", { token: b.token, body: { conversation_id: cid, message_id: (cid + 1) * G + 1 } }), 400);
    const receipts = await api("GET", `/messages/${where.json.id}/read-receipts`, { token: a.token });
    expect(receipts.json.message_id).toBe(where.json.id);
    expect(receipts.json.read_by.map((r: any) => r.user_id)).toContain(b.id);

    const typing = await api("POST", "/messages/typing", { token: a.token, body: { conversation_id: cid } });
    expect(typing.status).toBe(204);
    const search = await api("GET", `/messages/search?q=edited`, { token: b.token });
    expect(search.status).toBe(200);

    // Recall: yours, inside the window; someone else's is refused; then past the window.
    expectError(await api("POST", `/messages/${reply.json.id}/recall`, { token: a.token }), 403, "not_your_message");
    expect((await api("POST", `/messages/${reply.json.id}/recall`, { token: b.token })).status).toBe(204);
    expect((await api("GET", `/messages/conversation/${cid}`, { token: a.token })).json.find((m: any) => m.id === reply.json.id).deleted).toBe(true);
    expectError(await api("POST", `/messages/${reply.json.id}/recall`, { token: b.token }), 404, "message_not_found");
    const { runInDurableObject } = await import("cloudflare:test");
    const { roomStub } = await import("../src/room/client");
    await runInDurableObject(roomStub(env, cid), (_o, state) => {
      state.storage.sql.exec("UPDATE messages SET sent_at = '2000-01-01T00:00:00.000Z' WHERE id = 1");
    });
    expectError(await api("POST", `/messages/${hello.json.id}/recall`, { token: a.token }), 403, "recall_window_passed");
  });

  it("file messages: upload, info, list, download, download-info; audio is voice; delete", async () => {
    const [a, b] = await Promise.all([registerUser("f1"), registerUser("f2")]);
    const cid = (await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } })).json.id;
    const up = await upload(a, fx.wav(), "note.wav");
    expect(up.status, JSON.stringify(up.json)).toBe(201);
    const fileId = up.json.id;
    const info = await api("GET", `/files/info/${fileId}`, { token: a.token });
    expect(info.json).toMatchObject({ id: fileId });
    const dl = await api("GET", `/files/download-info/${fileId}`, { token: a.token });
    expect(dl.json.url).toEqual(expect.any(String));
    expect((await api("GET", "/files/list", { token: a.token })).json.map((f: any) => f.id)).toContain(fileId);
    const bytes = await exports.default.fetch(`${BASE}/files/download/${fileId}`, { headers: { Authorization: `Bearer ${a.token}` } });
    expect(bytes.status).toBe(200);
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(fx.wav());
    const sent = await api("POST", "/messages/file", { token: a.token, body: { conversation_id: cid, file_id: fileId, message_type: "audio" } });
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
    expect(sent.json).toMatchObject({ message_type: "audio", file_id: fileId, conversation_id: cid });
    expect((await api("GET", `/messages/conversation/${cid}`, { token: b.token })).json[0].message_type).toBe("audio");
    expectError(await api("POST", "/messages/file", { token: a.token, body: { conversation_id: cid, file_id: fileId, message_type: "sticker" } }), 400);
    const other = await upload(a, fx.pdf(), "doc.pdf");
    expect((await api("DELETE", `/files/${other.json.id}`, { token: a.token })).status).toBe(204);
    expectError(await api("GET", `/files/info/${other.json.id}`, { token: a.token }), 404);
  });
});

describe("doc 003: the OpenAPI document", () => {
  it("lists the dialect routes under one tag per document", async () => {
    const doc = (await api("GET", "/openapi.json")).json;
    const tagged = (tag: string) =>
      Object.entries(doc.paths as Record<string, Record<string, { tags?: string[] }>>).flatMap(([path, ops]) =>
        Object.entries(ops).filter(([, op]) => op.tags?.includes(tag)).map(([method]) => `${method.toUpperCase()} ${path}`),
      );
    const v3 = tagged("doc 003: IM API V3 (/api/v1)");
    expect(v3).toContain("POST /api/v1/messages/text");
    expect(v3).toContain("POST /api/v1/messages/{message_id}/recall");
    expect(v3).toContain("GET /api/v1/files/list");
    const v4 = tagged("doc 004: Django IM (/user)");
    expect(v4).toContain("POST /user/register");
    expect(v4).toContain("GET /user/records/{conversation_id}");
    expect(v4).toHaveLength(33);
  });
});

describe("doc 003: groups, notifications, realtime", () => {
  it("invite code, stats and search of groups", async () => {
    const [owner, m] = await Promise.all([registerUser("o3"), registerUser("p3")]);
    const name = uniq("pubgrp");
    const room = await api("POST", "/chat-rooms/", { token: owner.token, body: { name, visibility: "public" } });
    const gid = room.json.id;
    const code = await api("POST", `/groups/${gid}/invite-code`, { token: owner.token });
    expect(code.status, JSON.stringify(code.json)).toBe(200);
    expect(code.json.code).toEqual(expect.any(String));
    expectError(await api("POST", `/groups/${gid}/invite-code`, { token: m.token }), 403);
    const stats = await api("GET", `/groups/${gid}/stats`, { token: owner.token });
    expect(stats.json).toMatchObject({ room_id: gid, members_count: 1 });
    const found = await api("GET", `/groups/search?keyword=${name}`, { token: m.token });
    expect(found.json.map((g: any) => g.id)).toEqual([gid]);
    expect(found.json[0].type).toBe("group");
    expectError(await api("GET", "/groups/search", { token: m.token }), 400);
    expectError(await api("GET", `/groups/search?keyword=x`), 401);
  });

  it("notifications: create (admins), list, mark one read (204), mark all read (204)", async () => {
    const [admin, u] = await Promise.all([registerUser("adm"), registerUser("nu")]);
    await makeAdmin(admin);
    expectError(await api("POST", "/notifications/", { token: u.token, body: { user_id: admin.id, title: "hi" } }), 403);
    for (const title of ["one", "two"]) {
      const made = await api("POST", "/notifications/", { token: admin.token, body: { user_id: u.id, title, content: "v3" } });
      expect(made.status, JSON.stringify(made.json)).toBe(200);
      expect(made.json.sent).toBe(1);
    }
    const list = await api("GET", "/notifications/", { token: u.token });
    expect(list.json.map((n: any) => n.title)).toEqual(["two", "one"]);
    const one = await api("POST", `/notifications/${list.json[0].id}/mark-read`, { token: u.token });
    expect(one.status).toBe(204);
    expect((await api("GET", "/notifications/stats", { token: u.token })).json.unread).toBe(1);
    expect((await api("POST", "/notifications/mark-read", { token: u.token })).status).toBe(204);
    expect((await api("GET", "/notifications/stats", { token: u.token })).json.unread).toBe(0);
    expectError(await api("POST", `/notifications/999999999/mark-read`, { token: u.token }), 404);
  });

  it("realtime: online users, user status, connection stats, broadcast (admins)", async () => {
    const [a, b] = await Promise.all([registerUser("r1"), registerUser("r2")]);
    await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } });
    expect((await api("POST", "/users/me/heartbeat", { token: b.token })).status).toBeLessThan(300);
    const online = await api("GET", "/realtime/online-users", { token: a.token });
    expect(online.json.map((x: any) => x.id)).toContain(b.id);
    const status = await api("GET", `/realtime/user-status/${b.id}`, { token: a.token });
    expect(status.json).toMatchObject({ user_id: b.id, online: true });
    expect((await api("GET", `/realtime/user-status/999999999`, { token: a.token })).json).toEqual({ user_id: 999999999, online: null, last_seen_at: null });
    const stats = await api("GET", "/realtime/connection-stats", { token: a.token });
    expect(stats.json).toHaveProperty("online_users_count");
    expectError(await api("POST", "/realtime/broadcast", { token: a.token, body: { content: "hi", all_rooms: true } }), 403);
  });

  it("/realtime/ws receives the new messages of the holder's conversations", async () => {
    const [a, b, c] = await Promise.all([registerUser("w1"), registerUser("w2"), registerUser("w3")]);
    const cid = (await api("POST", "/conversations/single", { token: a.token, body: { target_user_id: b.id } })).json.id;
    const open = async (u: TestUser) => {
      const res = await exports.default.fetch(`http://edge.test/realtime/ws?token=${u.token}`, { headers: { Upgrade: "websocket" } });
      expect(res.status).toBe(101);
      const client = new Client(res.webSocket!);
      await client.next("connection_established");
      return client;
    };
    const [bSocket, cSocket] = await Promise.all([open(b), open(c)]);
    const sent = await api("POST", "/messages/text", { token: a.token, body: { conversation_id: cid, content: "to your own socket" } });
    await flushRoom(cid);
    const frame = await bSocket.next("message");
    expect(frame).toMatchObject({ conversation_id: cid, message_id: sent.json.id, message: { id: 1, room_id: cid, content_text: "to your own socket", sender_id: a.id } });
    // Not a member: nothing.
    await new Promise((r) => setTimeout(r, 100));
    expect(cSocket.frames.some((f) => f.type === "message")).toBe(false);
    bSocket.ws.close();
    cSocket.ws.close();
  });
});
