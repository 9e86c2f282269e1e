// Document 004 (the Django IM API at /user/...) as a client written from its text sees it: every
// endpoint it lists, its success parsed against the document's model (src/dialects/doc004-django-im/
// models.ts: field names, types, nullability, enums; objects strict), and every error code of THAT
// endpoint's table, with its HTTP status and info. Requests carry the JWT bare in Authorization and
// ids typed as the document prints them ("friend_id": 1, "request_id": "申请ID" -> a string).
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "@hono/zod-openapi";
import * as M from "../src/dialects/doc004-django-im/models";
import { uniq, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";

/** The document's error tables, as printed: code -> [HTTP status, info]. */
const TABLE: Record<number, [number, string]> = {
  1: [401, "User not logged in"], 2: [404, "User does not exist"], 3: [400, "Invalid request"],
  10: [409, "Username already exists"], 11: [400, "Invalid username"], 12: [400, "Invalid password"], 13: [400, "Invalid email"],
  14: [400, "Invalid phone"], 15: [403, "Incorrect password"],
  20: [404, "User not found"], 21: [404, "Request not found"], 22: [404, "Friend not found"], 23: [400, "Cannot send request to self"],
  24: [409, "Already friends"], 25: [409, "Request already sent"], 26: [409, "Not friends"], 27: [400, "Invalid friend group name"],
  30: [404, "Conversation not found"], 31: [404, "Member not found"], 32: [404, "Message not found"], 33: [403, "User not in conversation"],
  40: [404, "Group not found"], 41: [403, "User not authorized"], 42: [403, "Member not admin"], 43: [403, "Not in group"],
  44: [403, "Cannot remove self"], 45: [403, "Cannot remove owner"], 46: [403, "Cannot remove admin"], 47: [403, "Owner cannot quit"],
  48: [409, "Already owner"], 49: [409, "Already admin"], 50: [409, "Invitation already sent"], 51: [404, "Invitation not found"],
};

type Res = { status: number; json: any; headers: Headers };

/** A call as a 004 client makes it: the JWT alone in Authorization, JSON bodies. */
async function call(method: string, path: string, token?: string, body?: unknown): Promise<Res> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await exports.default.fetch(`http://edge.test/user${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

/** A success: 200, and the whole body is the model's ({"code": 0, "info": "Succeed", ...data}). */
function ok<Mo extends M.Model>(res: Res, model: Mo): M.Succeeded<Mo> {
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  const parsed = M.succeeded(model).safeParse(res.json);
  expect(parsed.success ? [] : parsed.error.issues, JSON.stringify(res.json)).toEqual([]);
  return res.json;
}

/** A row of the table: its status, code and info, in the {code, info} body and nothing else. */
function row(res: Res, code: number) {
  const [status, info] = TABLE[code];
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(M.Failure.safeParse(res.json).success, JSON.stringify(res.json)).toBe(true);
  expect(res.json).toEqual({ code, info });
}

/** A refusal the document has no row for: the {code: 3, info} body with the status given. */
function other(res: Res, status: number) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(M.Failure.safeParse(res.json).success, JSON.stringify(res.json)).toBe(true);
  expect(res.json.code).toBe(3);
}

const PASSWORD = "password123";

/** Register and log in through the document's own endpoints. */
async function user(prefix = "k"): Promise<TestUser> {
  const username = uniq(prefix);
  ok(await call("POST", "/register", undefined, { username, password: PASSWORD, email: `${username}@example.com`, phone: "1234567890" }), M.Empty);
  const { token } = ok(await call("POST", "/login", undefined, { username, password: PASSWORD }), M.LoginReply);
  const found = ok(await call("GET", `/profile/${username}`, token), M.ProfileReply);
  return { token, id: found.user_id, username };
}

/** a asks (friend_id: 1, a number as printed), b accepts (request_id: "申请ID", a string as printed). */
async function friends(a: TestUser, b: TestUser) {
  ok(await call("POST", "/send_friend_request", a.token, { friend_id: b.id }), M.Empty);
  const { requests } = ok(await call("GET", "/friend_requests", b.token), M.FriendRequestsReply);
  const req = requests.find((r) => r.sender_id === a.id)!;
  ok(await call("POST", "/respond_friend_request", b.token, { request_id: String(req.request_id), response: "accept" }), M.Empty);
}

async function privateChat(a: TestUser, b: TestUser) {
  return ok(await call("POST", "/create_private_conversation", a.token, { friend_id: String(b.id) }), M.PrivateConversationReply).conversation_id;
}

async function group(owner: TestUser, members: TestUser[]) {
  const name = uniq("grp");
  return ok(await call("POST", "/create_group_conversation", owner.token, { members_id: members.map((m) => String(m.id)), name }), M.GroupCreatedReply);
}

const send = async (u: TestUser, conversation: number, content: string) =>
  ok(await call("POST", "/send_message", u.token, { conversation_id: String(conversation), content }), M.MessageIdReply).message_id;

/** A token still signed, whose account is gone (logged off). */
async function goneToken() {
  const g = await user("gone");
  ok(await call("POST", "/logoff", g.token, { password: PASSWORD }), M.Empty);
  return g.token;
}

const NOBODY = 999_999_999;

describe("doc 004 contract: every signed-in endpoint answers 1 without a token", () => {
  const SIGNED_IN: [string, string][] = [
    ["POST", "/logoff"], ["PUT", "/update_normal_info"], ["PUT", "/update_auth_info"], ["GET", "/search_friends?keyword=a"], ["GET", "/profile/someone"],
    ["POST", "/send_friend_request"], ["GET", "/friend_requests"], ["POST", "/respond_friend_request"], ["POST", "/delete_friend"], ["GET", "/get_friends"],
    ["POST", "/add_friend_to_friend_group"], ["GET", "/get_private_conversations"], ["POST", "/create_private_conversation"], ["GET", "/conversation/1"],
    ["POST", "/send_message"], ["POST", "/delete_message"], ["POST", "/mark_as_read/1"], ["GET", "/records/1"], ["POST", "/delete_records"],
    ["POST", "/reply_message"], ["POST", "/create_group_conversation"], ["GET", "/get_group_conversation"], ["POST", "/add_admin"], ["POST", "/remove_admin"],
    ["POST", "/transfer_owner"], ["POST", "/remove_member"], ["POST", "/invite_member"], ["GET", "/view_invitations?group_id=1"],
    ["POST", "/review_invitation"], ["POST", "/quit_group"], ["POST", "/delete_group"],
  ];
  it("no token, and a token that is not one: 401 code 1", async () => {
    for (const [method, path] of SIGNED_IN) {
      const body = method === "GET" ? undefined : {};
      row(await call(method, path, undefined, body), 1);
      row(await call(method, path, "not.a.jwt", body), 1);
    }
  });

  it("a wrong method is Django's 405 with Allow; bad input is 3", async () => {
    const a = await user();
    const wrong = await call("GET", "/send_message", a.token);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("Allow")).toBe("POST");
    expect(wrong.json).toEqual({ code: 405, info: "Method Not Allowed" });
    row(await call("POST", "/send_message", a.token, { conversation_id: "会话ID", content: "x" }), 3);
  });
});

describe("doc 004 contract: 用户管理 and 编辑信息", () => {
  it("POST /user/register: success //, then 10, 11 (over 20 characters, nothing created), 12, 13, 14", async () => {
    const name20 = uniq("n").padEnd(20, "x");
    ok(await call("POST", "/register", undefined, { username: name20, password: PASSWORD, email: "example@example.com", phone: "1234567890" }), M.Empty);
    row(await call("POST", "/register", undefined, { username: name20, password: PASSWORD }), 10);
    const name21 = uniq("n").padEnd(21, "x");
    row(await call("POST", "/register", undefined, { username: name21, password: PASSWORD, email: "example@example.com", phone: "1234567890" }), 11);
    row(await call("POST", "/login", undefined, { username: name21, password: PASSWORD }), 2);
    row(await call("POST", "/register", undefined, { username: "", password: PASSWORD }), 11);
    row(await call("POST", "/register", undefined, { username: uniq("n"), password: "" }), 12);
    // The printed password "123456": the one password policy (at least 8) refuses it.
    row(await call("POST", "/register", undefined, { username: uniq("n"), password: "123456" }), 12);
    // Longer than the document's 20: the password policy accepts it.
    const longPassword = uniq("n");
    ok(await call("POST", "/register", undefined, { username: longPassword, password: "p".repeat(40) }), M.Empty);
    ok(await call("POST", "/login", undefined, { username: longPassword, password: "p".repeat(40) }), M.LoginReply);
    row(await call("POST", "/register", undefined, { username: uniq("n"), password: PASSWORD, email: "nope" }), 13);
    row(await call("POST", "/register", undefined, { username: uniq("n"), password: PASSWORD, email: `${"e".repeat(39)}@example.com` }), 13);
    row(await call("POST", "/register", undefined, { username: uniq("n"), password: PASSWORD, phone: "12ab" }), 14);
    row(await call("POST", "/register", undefined, { username: uniq("n"), password: PASSWORD, phone: "1".repeat(21) }), 14);
    row(await call("POST", "/register", undefined, { username: uniq("n"), password: PASSWORD, phone: "+1234567890" }), 14);
  });

  it("POST /user/login: {token}, 2, 15", async () => {
    const a = await user();
    ok(await call("POST", "/login", undefined, { username: a.username, password: PASSWORD }), M.LoginReply);
    row(await call("POST", "/login", undefined, { username: uniq("ghost"), password: PASSWORD }), 2);
    row(await call("POST", "/login", undefined, { username: a.username, password: "wrong-password" }), 15);
  });

  it("POST /user/logoff: //, 15", async () => {
    const a = await user();
    row(await call("POST", "/logoff", a.token, { password: "wrong-password" }), 15);
    ok(await call("POST", "/logoff", a.token, { password: PASSWORD }), M.Empty);
    row(await call("POST", "/login", undefined, { username: a.username, password: PASSWORD }), 2);
  });

  it("PUT /user/update_normal_info: //, and the picture comes back in profile and search", async () => {
    const a = await user();
    const picture = btoa(String.fromCharCode(...fx.png(4, 4)));
    ok(await call("PUT", "/update_normal_info", a.token, { avatar_base64: picture }), M.Empty);
    expect(ok(await call("GET", `/profile/${a.username}`, a.token), M.ProfileReply).avatar_base64).toBe(picture);
  });

  it("PUT /user/update_auth_info: //, 10, 11, 12, 13, 14, 15", async () => {
    const a = await user();
    const b = await user();
    const changed = ok(await call("PUT", "/update_auth_info", a.token, { email: "new@example.com", phone: "1234567", old_password: PASSWORD }), M.AuthInfoReply);
    expect(changed).not.toHaveProperty("token");
    row(await call("PUT", "/update_auth_info", a.token, { username: b.username, email: "x@example.com", old_password: PASSWORD }), 10);
    row(await call("PUT", "/update_auth_info", a.token, { username: "u".repeat(21), old_password: PASSWORD }), 11);
    row(await call("PUT", "/update_auth_info", a.token, { username: "bad name!", old_password: PASSWORD }), 11);
    // Your own username is no change; a new one is refused (usernames do not change).
    ok(await call("PUT", "/update_auth_info", a.token, { username: a.username, email: "same@example.com", old_password: PASSWORD }), M.AuthInfoReply);
    other(await call("PUT", "/update_auth_info", a.token, { username: uniq("fresh"), old_password: PASSWORD }), 400);
    row(await call("PUT", "/update_auth_info", a.token, { new_password: "short", old_password: PASSWORD }), 12);
    row(await call("PUT", "/update_auth_info", a.token, { email: "nope", old_password: PASSWORD }), 13);
    row(await call("PUT", "/update_auth_info", a.token, { email: `${"e".repeat(39)}@example.com`, old_password: PASSWORD }), 13);
    row(await call("PUT", "/update_auth_info", a.token, { phone: "12ab", old_password: PASSWORD }), 14);
    row(await call("PUT", "/update_auth_info", a.token, { email: "x@example.com", old_password: "1234567" }), 15);
    const profile = ok(await call("GET", `/profile/${a.username}`, a.token), M.ProfileReply);
    expect([profile.email, profile.phone]).toEqual(["same@example.com", "1234567"]);
    // A new password: a fresh token (older ones stop working).
    const fresh = ok(await call("PUT", "/update_auth_info", a.token, { new_password: "password456", old_password: PASSWORD }), M.AuthInfoReply);
    row(await call("GET", "/get_friends", a.token), 1);
    ok(await call("GET", "/get_friends", fresh.token!), M.FriendsReply);
  });
});

describe("doc 004 contract: 好友管理", () => {
  it("GET /user/search_friends and GET /user/profile/{user_name}: data, profile; 20", async () => {
    const a = await user("srch");
    const b = await user();
    const found = ok(await call("GET", `/search_friends?keyword=${a.username}`, b.token), M.SearchReply);
    expect(found.data).toEqual([{ user_id: a.id, username: a.username, avatar_base64: "" }]);
    const own = ok(await call("GET", `/profile/${a.username}`, a.token), M.ProfileReply);
    expect(own).toMatchObject({ user_id: a.id, email: `${a.username}@example.com`, phone: "1234567890", is_friend: 0 });
    // Someone else's email and phone are not shown (privacy): null.
    expect(ok(await call("GET", `/profile/${a.username}`, b.token), M.ProfileReply)).toMatchObject({ email: null, phone: null });
    row(await call("GET", `/profile/${uniq("ghost")}`, b.token), 20);
    await friends(a, b);
    expect(ok(await call("GET", `/profile/${a.username}`, b.token), M.ProfileReply).is_friend).toBe(1);
  });

  it("POST /user/send_friend_request, GET /user/friend_requests, POST /user/respond_friend_request: 20, 23, 24, 25, 21", async () => {
    const [a, b, c] = await Promise.all([user(), user(), user()]);
    row(await call("POST", "/send_friend_request", a.token, { friend_id: NOBODY }), 20);
    row(await call("POST", "/send_friend_request", a.token, { friend_id: a.id }), 23);
    ok(await call("POST", "/send_friend_request", a.token, { friend_id: b.id }), M.Empty);
    ok(await call("POST", "/send_friend_request", a.token, { friend_id: c.id }), M.Empty);
    row(await call("POST", "/send_friend_request", a.token, { friend_id: b.id }), 25);
    const sent = ok(await call("GET", "/friend_requests", a.token), M.FriendRequestsReply);
    expect(sent.sent_requests.map((r) => [r.receiver_id, r.receiver_name, r.status])).toEqual([
      [c.id, c.username, "pending"],
      [b.id, b.username, "pending"],
    ]);
    const got = ok(await call("GET", "/friend_requests", b.token), M.FriendRequestsReply).requests[0];
    expect(got).toMatchObject({ sender_id: a.id, sender_name: a.username, sender_avatar: "", status: "pending" });
    row(await call("POST", "/respond_friend_request", b.token, { request_id: String(NOBODY), response: "accept" }), 21);
    row(await call("POST", "/respond_friend_request", a.token, { request_id: String(got.request_id), response: "accept" }), 21);
    ok(await call("POST", "/respond_friend_request", b.token, { request_id: String(got.request_id), response: "accept" }), M.Empty);
    const toC = ok(await call("GET", "/friend_requests", c.token), M.FriendRequestsReply).requests[0];
    ok(await call("POST", "/respond_friend_request", c.token, { request_id: String(toC.request_id), response: "reject" }), M.Empty);
    const after = ok(await call("GET", "/friend_requests", a.token), M.FriendRequestsReply);
    expect(after.sent_requests.map((r) => r.status)).toEqual(["reject", "accept"]);
    row(await call("POST", "/send_friend_request", a.token, { friend_id: b.id }), 24);
  });

  it("GET /user/get_friends, POST /user/add_friend_to_friend_group, POST /user/delete_friend: 26, 27, 22", async () => {
    const [a, b, c] = await Promise.all([user(), user(), user()]);
    await friends(a, b);
    const list = ok(await call("GET", "/get_friends", a.token), M.FriendsReply);
    expect(list.friends).toEqual([{ friend_id: b.id, friend_name: b.username, friend_avatar: "", friend_group: null }]);
    ok(await call("POST", "/add_friend_to_friend_group", a.token, { friend_id: String(b.id), friend_group_id: "同学" }), M.Empty);
    expect(ok(await call("GET", "/get_friends", a.token), M.FriendsReply).friends[0].friend_group).toBe("同学");
    row(await call("POST", "/add_friend_to_friend_group", a.token, { friend_id: String(c.id), friend_group_id: "同学" }), 26);
    row(await call("POST", "/add_friend_to_friend_group", a.token, { friend_id: String(b.id), friend_group_id: "" }), 27);
    row(await call("POST", "/add_friend_to_friend_group", a.token, { friend_id: String(b.id), friend_group_id: "x".repeat(33) }), 27);
    row(await call("POST", "/delete_friend", a.token, { friend_id: String(NOBODY) }), 22);
    row(await call("POST", "/delete_friend", a.token, { friend_id: String(c.id) }), 26);
    ok(await call("POST", "/delete_friend", a.token, { friend_id: String(b.id) }), M.Empty);
    expect(ok(await call("GET", "/get_friends", b.token), M.FriendsReply).friends).toEqual([]);
  });
});

describe("doc 004 contract: 会话管理", () => {
  let a: TestUser, b: TestUser, stranger: TestUser, cid: number;
  beforeAll(async () => {
    [a, b, stranger] = await Promise.all([user("ca"), user("cb"), user("cs")]);
    await friends(a, b);
    cid = await privateChat(a, b);
  });

  it("GET /user/get_private_conversations and POST /user/create_private_conversation: 22, 26", async () => {
    const again = ok(await call("POST", "/create_private_conversation", b.token, { friend_id: String(a.id) }), M.PrivateConversationReply);
    expect(again).toEqual({ code: 0, info: "Succeed", conversation_id: cid, friend_id: a.id, friend_name: a.username, friend_avatar: "" });
    row(await call("POST", "/create_private_conversation", a.token, { friend_id: String(NOBODY) }), 22);
    row(await call("POST", "/create_private_conversation", a.token, { friend_id: String(stranger.id) }), 26);
    const list = ok(await call("GET", "/get_private_conversations", a.token), M.PrivateConversationsReply);
    expect(list.conversations).toEqual([
      { conversation_id: cid, is_private: true, friend_id: b.id, friend_name: b.username, friend_avatar: "", not_read: expect.any(Number), disabled: false },
    ]);
  });

  it("POST /user/send_message, POST /user/reply_message and GET /user/conversation/{id}: reply_to in full; 30, 31, 32, 33", async () => {
    const first = await send(a, cid, "你好");
    const reply = ok(await call("POST", "/reply_message", b.token, { conversation_id: String(cid), reply_to_id: String(first), content: "你好呀" }), M.MessageIdReply);
    row(await call("POST", "/send_message", a.token, { conversation_id: String(NOBODY), content: "x" }), 30);
    row(await call("POST", "/send_message", stranger.token, { conversation_id: String(cid), content: "x" }), 33);
    row(await call("POST", "/send_message", await goneToken(), { conversation_id: String(cid), content: "x" }), 31);
    row(await call("POST", "/reply_message", a.token, { conversation_id: String(cid), reply_to_id: String(cid * 1_000_000_000 + 999), content: "x" }), 32);
    row(await call("POST", "/reply_message", a.token, { conversation_id: String(NOBODY), reply_to_id: String(first), content: "x" }), 32);
    row(await call("POST", "/reply_message", stranger.token, { conversation_id: String(cid), reply_to_id: String(first), content: "x" }), 33);

    const view = ok(await call("GET", `/conversation/${cid}`, a.token), M.ChatViewReply).messages;
    for (const m of view) expect(M.PrivateChatMessage.safeParse(m).success).toBe(true);
    const shown = view.find((m) => m.msg_id === reply.message_id)!;
    const parent = view.find((m) => m.msg_id === first)!;
    expect(parent).toMatchObject({ msg_body: "你好", sender_id: a.id, sender_name: a.username, reply_count: 1, reply_to: null });
    expect(shown.reply_to).toEqual({ msg_id: first, content: "你好", sender_id: a.id, sender_name: a.username, sender_avatar: "", create_time: parent.create_time });
    row(await call("GET", `/conversation/${NOBODY}`, a.token), 30);
    row(await call("GET", `/conversation/${cid}`, stranger.token), 33);
    row(await call("GET", `/conversation/${cid}`, await goneToken()), 31);
    row(await call("GET", `/conversation/${cid}?member_id=${stranger.id}`, a.token), 31);
  });

  it("the records section's printed examples: GET /user/conversation/1, ?start_time=2023-01-01T00:00:00Z, ?member_id=2", async () => {
    const before = await send(b, cid, "records-b");
    const all = ok(await call("GET", `/conversation/${cid}`, a.token), M.ChatViewReply).messages;
    expect(all.map((m) => m.msg_id)).toContain(before);
    const since = ok(await call("GET", `/conversation/${cid}?start_time=2023-01-01T00:00:00Z`, a.token), M.ChatViewReply).messages;
    expect(since.map((m) => m.msg_id)).toEqual(all.map((m) => m.msg_id));
    expect(ok(await call("GET", `/conversation/${cid}?start_time=2999-01-01T00:00:00Z`, a.token), M.ChatViewReply).messages).toEqual([]);
    const byB = ok(await call("GET", `/conversation/${cid}?member_id=${b.id}`, a.token), M.ChatViewReply).messages;
    expect(byB.length).toBeGreaterThan(0);
    expect(byB.every((m) => m.sender_id === b.id)).toBe(true);
  });

  it("GET /user/records/{id}: by member and time; 30, 31, 33", async () => {
    const mine = await send(a, cid, "records-a");
    const all = ok(await call("GET", `/records/${cid}`, a.token), M.RecordsReply).messages;
    expect(all.find((m) => m.msg_id === mine)).toMatchObject({ msg_body: "records-a", sender_id: a.id, sender_name: a.username, sender_avatar: "" });
    const byA = ok(await call("GET", `/records/${cid}?member_id=${a.id}`, a.token), M.RecordsReply).messages;
    expect(byA.every((m) => m.sender_id === a.id)).toBe(true);
    const at = all.find((m) => m.msg_id === mine)!.create_time;
    expect(ok(await call("GET", `/records/${cid}?start_time=${at}`, a.token), M.RecordsReply).messages.map((m) => m.msg_id)).toContain(mine);
    expect(ok(await call("GET", `/records/${cid}?end_time=${at}`, a.token), M.RecordsReply).messages.map((m) => m.msg_id)).not.toContain(mine);
    row(await call("GET", `/records/${NOBODY}`, a.token), 30);
    row(await call("GET", `/records/${cid}?member_id=${stranger.id}`, a.token), 31);
    row(await call("GET", `/records/${cid}`, stranger.token), 33);
  });

  it("POST /user/mark_as_read/{id}: //; 30, 33", async () => {
    const m = await send(a, cid, "read me");
    ok(await call("POST", `/mark_as_read/${cid}`, b.token), M.Empty);
    const view = ok(await call("GET", `/conversation/${cid}`, a.token), M.ChatViewReply).messages;
    expect(view.find((x) => x.msg_id === m)).toMatchObject({ is_read: true });
    row(await call("POST", `/mark_as_read/${NOBODY}`, a.token), 30);
    row(await call("POST", `/mark_as_read/${cid}`, stranger.token), 33);
  });

  it("POST /user/delete_message: {}; 30 (checked before the message), 33", async () => {
    const m = await send(a, cid, "delete me");
    row(await call("POST", "/delete_message", a.token, { conversation_id: String(NOBODY), message_id: String(m) }), 30);
    row(await call("POST", "/delete_message", a.token, { conversation_id: String(NOBODY), message_id: String(NOBODY) }), 30);
    row(await call("POST", "/delete_message", stranger.token, { conversation_id: String(cid), message_id: String(m) }), 33);
    row(await call("POST", "/delete_message", stranger.token, { conversation_id: String(cid), message_id: String(NOBODY) }), 33);
    ok(await call("POST", "/delete_message", a.token, { conversation_id: String(cid), message_id: String(m) }), M.Empty);
    const view = ok(await call("GET", `/conversation/${cid}`, a.token), M.ChatViewReply).messages;
    expect(view.map((x) => x.msg_id)).not.toContain(m);
  });

  it("POST /user/delete_records: //; 30, 33", async () => {
    row(await call("POST", "/delete_records", a.token, { conversation_id: String(NOBODY) }), 30);
    row(await call("POST", "/delete_records", stranger.token, { conversation_id: String(cid) }), 33);
    ok(await call("POST", "/delete_records", a.token, { conversation_id: String(cid) }), M.Empty);
    expect(ok(await call("GET", `/records/${cid}`, a.token), M.RecordsReply).messages).toEqual([]);
    expect(ok(await call("GET", `/records/${cid}`, b.token), M.RecordsReply).messages.length).toBeGreaterThan(0);
  });

  it("a private chat after unfriending: disabled, and sending or replying is 26", async () => {
    const [x, y] = await Promise.all([user(), user()]);
    await friends(x, y);
    const chat = await privateChat(x, y);
    const first = await send(y, chat, "still friends");
    ok(await call("POST", "/delete_friend", x.token, { friend_id: String(y.id) }), M.Empty);
    const list = ok(await call("GET", "/get_private_conversations", y.token), M.PrivateConversationsReply);
    expect(list.conversations).toEqual([expect.objectContaining({ conversation_id: chat, friend_id: x.id, disabled: true })]);
    row(await call("POST", "/send_message", y.token, { conversation_id: String(chat), content: "hello?" }), 26);
    row(await call("POST", "/reply_message", y.token, { conversation_id: String(chat), reply_to_id: String(first), content: "hello?" }), 26);
    // The records stay readable.
    expect(ok(await call("GET", `/records/${chat}`, x.token), M.RecordsReply).messages.map((m) => m.msg_id)).toEqual([first]);
  });

  it("a private chat whose other account is gone: disabled, friend_id null, and sending is 31", async () => {
    const [x, y] = await Promise.all([user(), user()]);
    await friends(x, y);
    const chat = await privateChat(x, y);
    await send(y, chat, "bye");
    ok(await call("POST", "/logoff", y.token, { password: PASSWORD }), M.Empty);
    const list = ok(await call("GET", "/get_private_conversations", x.token), M.PrivateConversationsReply);
    expect(list.conversations).toEqual([expect.objectContaining({ conversation_id: chat, friend_id: null, disabled: true })]);
    row(await call("POST", "/send_message", x.token, { conversation_id: String(chat), content: "hello?" }), 31);
    ok(await call("GET", `/conversation/${chat}`, x.token), M.ChatViewReply);
  });
});

describe("doc 004 contract: 群聊管理", () => {
  it("POST /user/create_group_conversation and GET /user/get_group_conversation: 2, 26, 31", async () => {
    const [owner, f1, f2, stranger] = await Promise.all([user("go"), user(), user(), user()]);
    await friends(owner, f1);
    await friends(owner, f2);
    row(await call("POST", "/create_group_conversation", owner.token, { members_id: [String(f1.id), String(NOBODY)], name: uniq("g") }), 2);
    row(await call("POST", "/create_group_conversation", owner.token, { members_id: [String(f1.id), String(stranger.id)], name: uniq("g") }), 26);
    row(await call("POST", "/create_group_conversation", await goneToken(), { members_id: [String(f1.id)], name: uniq("g") }), 31);
    const g = await group(owner, [f1, f2]);
    expect(g.owner_id).toBe(owner.id);
    expect(g.members.map((m) => m.id).sort()).toEqual([owner.id, f1.id, f2.id].sort());
    const list = ok(await call("GET", "/get_group_conversation", f1.token), M.GroupsReply);
    expect(list.conversations).toEqual([{ id: g.conversation_id, is_private: false, group_name: g.name, group_avatar: "", not_read: 0, disabled: false }]);
    // A group's chat view carries read_by, never is_read.
    const sent = await send(f1, g.conversation_id, "大家好");
    ok(await call("POST", `/mark_as_read/${g.conversation_id}`, f2.token), M.Empty);
    const view = ok(await call("GET", `/conversation/${g.conversation_id}`, owner.token), M.ChatViewReply).messages;
    for (const m of view) expect(M.GroupChatMessage.safeParse(m).success).toBe(true);
    expect(view.find((m) => m.msg_id === sent)).toMatchObject({ read_by: [f2.id] });
  });

  describe("admins, ownership, members", () => {
    let owner: TestUser, amy: TestUser, ben: TestUser, cat: TestUser, dan: TestUser, out: TestUser, gid: string;
    beforeAll(async () => {
      [owner, amy, ben, cat, dan, out] = await Promise.all([user("ow"), user("am"), user("be"), user("ca"), user("da"), user("ou")]);
      for (const f of [amy, ben, cat, dan]) await friends(owner, f);
      gid = String((await group(owner, [amy, ben, cat, dan])).conversation_id);
    });

    it("POST /user/add_admin: //; 40, 31, 41, 49", async () => {
      row(await call("POST", "/add_admin", owner.token, { group_id: String(NOBODY), member_id: String(amy.id) }), 40);
      row(await call("POST", "/add_admin", owner.token, { group_id: gid, member_id: String(out.id) }), 31);
      row(await call("POST", "/add_admin", ben.token, { group_id: gid, member_id: String(amy.id) }), 41);
      ok(await call("POST", "/add_admin", owner.token, { group_id: gid, member_id: String(amy.id) }), M.Empty);
      row(await call("POST", "/add_admin", owner.token, { group_id: gid, member_id: String(amy.id) }), 49);
    });

    it("POST /user/remove_admin: //; 40, 41, 42, 43, 48", async () => {
      ok(await call("POST", "/add_admin", owner.token, { group_id: gid, member_id: String(cat.id) }), M.Empty);
      row(await call("POST", "/remove_admin", owner.token, { group_id: String(NOBODY), member_id: String(cat.id) }), 40);
      row(await call("POST", "/remove_admin", ben.token, { group_id: gid, member_id: String(cat.id) }), 41);
      row(await call("POST", "/remove_admin", owner.token, { group_id: gid, member_id: String(ben.id) }), 42);
      row(await call("POST", "/remove_admin", owner.token, { group_id: gid, member_id: String(out.id) }), 43);
      row(await call("POST", "/remove_admin", owner.token, { group_id: gid, member_id: String(owner.id) }), 48);
      ok(await call("POST", "/remove_admin", owner.token, { group_id: gid, member_id: String(cat.id) }), M.Empty);
      ok(await call("POST", "/add_admin", owner.token, { group_id: gid, member_id: String(cat.id) }), M.Empty);
    });

    it("POST /user/remove_member: //; 40, 41, 43, 44, 45, 46", async () => {
      // amy and cat are admins now; ben and dan are plain members.
      row(await call("POST", "/remove_member", amy.token, { group_id: String(NOBODY), member_id: String(ben.id) }), 40);
      row(await call("POST", "/remove_member", dan.token, { group_id: gid, member_id: String(ben.id) }), 41);
      row(await call("POST", "/remove_member", amy.token, { group_id: gid, member_id: String(out.id) }), 43);
      row(await call("POST", "/remove_member", amy.token, { group_id: gid, member_id: String(amy.id) }), 44);
      row(await call("POST", "/remove_member", amy.token, { group_id: gid, member_id: String(owner.id) }), 45);
      row(await call("POST", "/remove_member", amy.token, { group_id: gid, member_id: String(cat.id) }), 46);
      ok(await call("POST", "/remove_member", amy.token, { group_id: gid, member_id: String(ben.id) }), M.Empty);
      row(await call("GET", `/conversation/${gid}`, ben.token), 33);
    });

    it("POST /user/invite_member, GET /user/view_invitations, POST /user/review_invitation: 40, 41, 50, 51", async () => {
      // A member's invitation waits ({request_id}); an admin's adds at once ({message}).
      const plain = await user("pl");
      await friends(owner, plain);
      ok(await call("POST", "/invite_member", owner.token, { group_id: gid, invitee_id: String(plain.id) }), M.InvitedReply);
      const waiting = ok(await call("POST", "/invite_member", plain.token, { group_id: gid, invitee_id: String(ben.id) }), M.InvitedReply);
      expect(waiting).toHaveProperty("request_id");
      row(await call("POST", "/invite_member", plain.token, { group_id: gid, invitee_id: String(ben.id) }), 50);
      row(await call("POST", "/invite_member", out.token, { group_id: gid, invitee_id: String(ben.id) }), 41);
      row(await call("POST", "/invite_member", amy.token, { group_id: String(NOBODY), invitee_id: String(ben.id) }), 40);
      const direct = ok(await call("POST", "/invite_member", amy.token, { group_id: gid, invitee_id: String(out.id) }), M.InvitedReply);
      expect(direct).toEqual({ code: 0, info: "Succeed", message: "User added directly by admin/owner" });

      const list = ok(await call("GET", `/view_invitations?group_id=${gid}`, amy.token), M.InvitationsReply).join_requests;
      const requestId = (waiting as { request_id: number }).request_id;
      expect(list.find((i) => i.request_id === requestId)).toMatchObject({ invitee_id: ben.id, inviter_id: plain.id, inviter_name: plain.username, status: "pending" });
      expect(list.find((i) => i.invitee_id === out.id)!.status).toBe("accepted");
      row(await call("GET", `/view_invitations?group_id=${NOBODY}`, amy.token), 40);
      row(await call("GET", `/view_invitations?group_id=${gid}`, plain.token), 41);

      row(await call("POST", "/review_invitation", plain.token, { request_id: String(requestId), response: "accept" }), 41);
      row(await call("POST", "/review_invitation", amy.token, { request_id: String(NOBODY), response: "accept" }), 51);
      ok(await call("POST", "/review_invitation", amy.token, { request_id: String(requestId), response: "reject" }), M.Empty);
      const after = ok(await call("GET", `/view_invitations?group_id=${gid}`, owner.token), M.InvitationsReply).join_requests;
      expect(after.find((i) => i.request_id === requestId)!.status).toBe("rejected");
      // out joined directly: it leaves again for the next tests.
      ok(await call("POST", "/quit_group", out.token, { group_id: gid }), M.Empty);
    });

    it("POST /user/transfer_owner and POST /user/quit_group: 40, 41, 43, 48, 47", async () => {
      row(await call("POST", "/transfer_owner", owner.token, { group_id: String(NOBODY), new_owner_id: String(amy.id) }), 40);
      row(await call("POST", "/transfer_owner", amy.token, { group_id: gid, new_owner_id: String(cat.id) }), 41);
      row(await call("POST", "/transfer_owner", owner.token, { group_id: gid, new_owner_id: String(out.id) }), 43);
      row(await call("POST", "/transfer_owner", owner.token, { group_id: gid, new_owner_id: String(owner.id) }), 48);
      row(await call("POST", "/quit_group", owner.token, { group_id: gid }), 47);
      row(await call("POST", "/quit_group", out.token, { group_id: gid }), 41);
      row(await call("POST", "/quit_group", amy.token, { group_id: String(NOBODY) }), 40);
      ok(await call("POST", "/transfer_owner", owner.token, { group_id: gid, new_owner_id: String(amy.id) }), M.Empty);
      ok(await call("POST", "/quit_group", owner.token, { group_id: gid }), M.Empty);
      expect(ok(await call("GET", "/get_group_conversation", owner.token), M.GroupsReply).conversations).toEqual([]);
    });

    it("POST /user/delete_group: //; 40, 41", async () => {
      row(await call("POST", "/delete_group", cat.token, { group_id: gid }), 41);
      row(await call("POST", "/delete_group", out.token, { group_id: gid }), 41);
      ok(await call("POST", "/delete_group", amy.token, { group_id: gid }), M.Empty);
      row(await call("POST", "/delete_group", amy.token, { group_id: gid }), 40);
    });
  });
});

// Keep the schema types honest: a reply that breaks its model fails (the check above is no formality).
describe("doc 004 contract: the models refuse what the document does not say", () => {
  it("a string id, a missing reply_to.create_time, an unknown status", () => {
    const reply = (over: Record<string, unknown>) => ({ code: 0, info: "Succeed", message_id: 1, ...over });
    expect(M.succeeded(M.MessageIdReply).safeParse(reply({})).success).toBe(true);
    expect(M.succeeded(M.MessageIdReply).safeParse(reply({ message_id: "1" })).success).toBe(false);
    const msg = { msg_id: 1, msg_body: "x", sender_id: 1, sender_name: "a", sender_avatar: "", create_time: "2026-01-01T00:00:00.000Z", reply_count: 0, is_read: false };
    const replyTo = { msg_id: 1, content: "x", sender_id: 1, sender_name: "a", sender_avatar: "" };
    expect(M.PrivateChatMessage.safeParse({ ...msg, reply_to: { ...replyTo, create_time: msg.create_time } }).success).toBe(true);
    expect(M.PrivateChatMessage.safeParse({ ...msg, reply_to: replyTo }).success).toBe(false);
    const request = { request_id: 1, sender_id: 2, sender_name: "a", sender_avatar: "", status: "accepted", sent_time: "2024-03-21 12:00:00" };
    expect((M.FriendRequestsReply as z.ZodType).safeParse({ requests: [request], sent_requests: [] }).success).toBe(false);
  });
});
