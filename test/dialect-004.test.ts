// Document 004 (the Django IM API at /user/...): its flows end to end, its envelope for every
// outcome, and its error table row by row wherever a row can be provoked.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, registerUser, uniq, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";
import { befriend } from "./social";

type Opts = { token?: string; bearer?: boolean; body?: unknown; raw?: string };

/** A call as a 004 client makes it: the JWT alone in Authorization. */
async function u(method: string, path: string, opts: Opts = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.Authorization = opts.bearer ? `Bearer ${opts.token}` : opts.token;
  let body: string | undefined = opts.raw;
  if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await exports.default.fetch(`http://edge.test/user${path}`, { method, headers, body });
  const json: any = await res.json();
  return { status: res.status, json, headers: res.headers };
}

/** A 004 success: 200 with code 0. */
function succeed(res: { status: number; json: any }) {
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  expect(res.json.code).toBe(0);
  expect(res.json.info).toBe("Succeed");
  return res.json;
}

/** A 004 error: its status, code and info, and nothing of the core's {detail} shape. */
function refused(res: { status: number; json: any }, status: number, code: number, info?: string) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(res.json.code).toBe(code);
  expect(typeof res.json.info).toBe("string");
  if (info) expect(res.json.info).toBe(info);
  expect(res.json).not.toHaveProperty("detail");
}

async function user004(prefix = "d4"): Promise<TestUser> {
  const username = uniq(prefix);
  succeed(await u("POST", "/register", { body: { username, password: "password123", email: `${username}@example.com`, phone: "1234567890" } }));
  const login = succeed(await u("POST", "/login", { body: { username, password: "password123" } }));
  const me = await api("GET", "/users/me", { token: login.token });
  return { token: login.token, id: me.json.id, username };
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

describe("doc 004: accounts", () => {
  it("registers and logs in; the bare JWT and Bearer both work", async () => {
    const a = await user004();
    const bare = succeed(await u("GET", `/profile/${a.username}`, { token: a.token }));
    expect(bare).toMatchObject({ user_id: a.id, username: a.username, email: `${a.username}@example.com`, phone: "1234567890", is_friend: 0 });
    succeed(await u("GET", `/profile/${a.username}`, { token: a.token, bearer: true }));
  });

  it("answers register's table: 10, 11, 12, 13, 14 (one password policy: at least 8)", async () => {
    const a = await user004();
    refused(await u("POST", "/register", { body: { username: a.username, password: "password123" } }), 409, 10, "Username already exists");
    refused(await u("POST", "/register", { body: { username: "bad name!", password: "password123" } }), 400, 11, "Invalid username");
    refused(await u("POST", "/register", { body: { username: uniq("d4"), password: "123456" } }), 400, 12, "Invalid password");
    refused(await u("POST", "/register", { body: { username: uniq("d4"), password: "password123", email: "nope" } }), 400, 13, "Invalid email");
    refused(await u("POST", "/register", { body: { username: uniq("d4"), password: "password123", phone: "12ab" } }), 400, 14, "Invalid phone");
  });

  it("answers login's table: 2 for no such user, 15 for a wrong password", async () => {
    const a = await user004();
    refused(await u("POST", "/login", { body: { username: uniq("ghost"), password: "password123" } }), 404, 2, "User does not exist");
    refused(await u("POST", "/login", { body: { username: a.username, password: "wrong-password" } }), 403, 15, "Incorrect password");
  });

  it("keeps its envelope for 1, 3, 404 and 405 (with Allow)", async () => {
    refused(await u("GET", "/get_friends"), 401, 1, "User not logged in");
    refused(await u("GET", "/get_friends", { token: "not.a.jwt" }), 401, 1);
    const a = await user004();
    refused(await u("POST", "/send_friend_request", { token: a.token, body: { friend_id: "abc" } }), 400, 3, "Invalid request");
    refused(await u("POST", "/send_friend_request", { token: a.token, raw: "{not json" }), 400, 3);
    refused(await u("POST", "/send_friend_request", { token: a.token, body: {} }), 400, 3);
    const wrong = await u("GET", "/register");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("Allow")).toBe("POST");
    expect(wrong.json).toEqual({ code: 405, info: "Method Not Allowed" });
    const missing = await u("GET", "/no_such_endpoint", { token: a.token });
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe(404);
  });

  it("stores avatar_base64 through the avatar pipeline and returns it in profiles and search", async () => {
    const a = await user004("pic");
    const image = b64(fx.png(8, 8));
    succeed(await u("PUT", "/update_normal_info", { token: a.token, body: { avatar_base64: image } }));
    const core = await api("GET", "/users/me", { token: a.token });
    expect(core.json.avatar_url).toMatch(/^\/api\/v1\/avatars\/\d+$/);
    expect(succeed(await u("GET", `/profile/${a.username}`, { token: a.token })).avatar_base64).toBe(image);
    const b = await user004();
    const found = succeed(await u("GET", `/search_friends?keyword=${a.username}`, { token: b.token }));
    expect(found.data).toEqual([{ user_id: a.id, username: a.username, avatar_base64: image }]);
    // Not a picture: the pipeline refuses it, and nothing changes.
    const notImage = await u("PUT", "/update_normal_info", { token: a.token, body: { avatar_base64: b64(fx.pdf()) } });
    expect(notImage.status).toBe(415);
    expect(notImage.json.code).toBe(3);
    refused(await u("PUT", "/update_normal_info", { token: a.token, body: { avatar_base64: "***" } }), 400, 3);
    expect((await api("GET", "/users/me", { token: a.token })).json.avatar_url).toBe(core.json.avatar_url);
  });

  it("shows another user's profile without their email or phone; 20 for no such user", async () => {
    const a = await user004();
    const b = await user004();
    const seen = succeed(await u("GET", `/profile/${a.username}`, { token: b.token }));
    expect(seen).toMatchObject({ user_id: a.id, username: a.username, email: null, phone: null, avatar_base64: "", is_friend: 0 });
    refused(await u("GET", `/profile/${uniq("ghost")}`, { token: b.token }), 404, 20, "User not found");
    refused(await u("GET", "/search_friends", { token: b.token }), 400, 3);
  });

  it("update_auth_info needs the old password (15), checks fields (12, 13, 14), and a new password revokes older tokens", async () => {
    const a = await user004();
    refused(await u("PUT", "/update_auth_info", { token: a.token, body: { old_password: "wrong-password", email: "x@example.com" } }), 403, 15);
    refused(await u("PUT", "/update_auth_info", { token: a.token, body: { old_password: "password123", email: "nope" } }), 400, 13);
    refused(await u("PUT", "/update_auth_info", { token: a.token, body: { old_password: "password123", phone: "abc" } }), 400, 14);
    refused(await u("PUT", "/update_auth_info", { token: a.token, body: { old_password: "password123", new_password: "short" } }), 400, 12);
    refused(await u("PUT", "/update_auth_info", { token: a.token, body: { old_password: "wrong-password", new_password: "password456" } }), 403, 15);
    // Refusals changed nothing.
    expect(succeed(await u("GET", `/profile/${a.username}`, { token: a.token })).email).toBe(`${a.username}@example.com`);
    const changed = succeed(
      await u("PUT", "/update_auth_info", { token: a.token, body: { old_password: "password123", new_password: "password456", email: "new@example.com" } }),
    );
    refused(await u("GET", `/profile/${a.username}`, { token: a.token }), 401, 1);
    expect(succeed(await u("GET", `/profile/${a.username}`, { token: changed.token })).email).toBe("new@example.com");
    succeed(await u("POST", "/login", { body: { username: a.username, password: "password456" } }));
  });

  it("logoff needs the password (15), then the account is gone (2)", async () => {
    const a = await user004();
    refused(await u("POST", "/logoff", { token: a.token, body: { password: "wrong-password" } }), 403, 15);
    succeed(await u("POST", "/logoff", { token: a.token, body: { password: "password123" } }));
    refused(await u("POST", "/login", { body: { username: a.username, password: "password123" } }), 404, 2);
  });
});

describe("doc 004: friends and private chats", () => {
  it("request -> accept -> private chat -> messages -> records by member and time -> delete records", async () => {
    const a = await user004("alice");
    const b = await user004("bob");
    const c = await user004("carol");

    refused(await u("POST", "/send_friend_request", { token: a.token, body: { friend_id: a.id } }), 400, 23, "Cannot send request to self");
    refused(await u("POST", "/send_friend_request", { token: a.token, body: { friend_id: 999_999_999 } }), 404, 20);
    succeed(await u("POST", "/send_friend_request", { token: a.token, body: { friend_id: String(b.id) } }));
    refused(await u("POST", "/send_friend_request", { token: a.token, body: { friend_id: b.id } }), 409, 25, "Request already sent");

    const mine = succeed(await u("GET", "/friend_requests", { token: a.token }));
    expect(mine.sent_requests).toHaveLength(1);
    expect(mine.sent_requests[0]).toMatchObject({ receiver_id: b.id, receiver_name: b.username, status: "pending" });
    expect(mine.sent_requests[0].sent_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const theirs = succeed(await u("GET", "/friend_requests", { token: b.token }));
    expect(theirs.requests[0]).toMatchObject({ sender_id: a.id, sender_name: a.username, status: "pending" });
    refused(await u("POST", "/respond_friend_request", { token: b.token, body: { request_id: 999_999_999, response: "accept" } }), 404, 21);
    // Only the recipient answers: to the sender it is not found.
    refused(await u("POST", "/respond_friend_request", { token: a.token, body: { request_id: theirs.requests[0].request_id, response: "accept" } }), 404, 21);
    succeed(await u("POST", "/respond_friend_request", { token: b.token, body: { request_id: theirs.requests[0].request_id, response: "accept" } }));
    expect(succeed(await u("GET", "/friend_requests", { token: a.token })).sent_requests[0].status).toBe("accept");
    refused(await u("POST", "/send_friend_request", { token: a.token, body: { friend_id: b.id } }), 409, 24, "Already friends");

    const friends = succeed(await u("GET", "/get_friends", { token: a.token })).friends;
    expect(friends).toEqual([{ friend_id: b.id, friend_name: b.username, friend_avatar: "", friend_group: null }]);
    succeed(await u("POST", "/add_friend_to_friend_group", { token: a.token, body: { friend_id: b.id, friend_group_id: "work" } }));
    expect(succeed(await u("GET", "/get_friends", { token: a.token })).friends[0].friend_group).toBe("work");
    refused(await u("POST", "/add_friend_to_friend_group", { token: a.token, body: { friend_id: b.id, friend_group_id: " " } }), 400, 27);
    refused(await u("POST", "/add_friend_to_friend_group", { token: a.token, body: { friend_id: c.id, friend_group_id: "work" } }), 409, 26);

    // Private chats are between friends.
    refused(await u("POST", "/create_private_conversation", { token: a.token, body: { friend_id: c.id } }), 409, 26, "Not friends");
    refused(await u("POST", "/create_private_conversation", { token: a.token, body: { friend_id: 999_999_999 } }), 404, 22, "Friend not found");
    const chat = succeed(await u("POST", "/create_private_conversation", { token: a.token, body: { friend_id: b.id } }));
    expect(chat).toMatchObject({ friend_id: b.id, friend_name: b.username, friend_avatar: "" });
    const cid = chat.conversation_id;
    // Idempotent: the same chat from the other side.
    expect(succeed(await u("POST", "/create_private_conversation", { token: b.token, body: { friend_id: a.id } })).conversation_id).toBe(cid);

    const first = succeed(await u("POST", "/send_message", { token: a.token, body: { conversation_id: cid, content: "hello bob" } }));
    expect(first.message_id).toBe(cid * 1_000_000_000 + 1);
    const firstAt = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const second = succeed(await u("POST", "/send_message", { token: b.token, body: { conversation_id: String(cid), content: "hi alice" } }));
    const reply = succeed(await u("POST", "/reply_message", { token: a.token, body: { conversation_id: cid, reply_to_id: second.message_id, content: "how are you?" } }));
    refused(await u("POST", "/send_message", { token: c.token, body: { conversation_id: cid, content: "let me in" } }), 403, 33, "User not in conversation");
    refused(await u("POST", "/send_message", { token: a.token, body: { conversation_id: 999_999_999, content: "x" } }), 404, 30, "Conversation not found");
    refused(await u("POST", "/reply_message", { token: a.token, body: { conversation_id: cid, reply_to_id: cid * 1_000_000_000 + 999, content: "x" } }), 404, 32);
    refused(await u("POST", "/reply_message", { token: a.token, body: { conversation_id: cid, reply_to_id: 1, content: "x" } }), 404, 32);

    const inbox = succeed(await u("GET", "/get_private_conversations", { token: b.token })).conversations;
    expect(inbox).toEqual([
      { conversation_id: cid, is_private: true, friend_id: a.id, friend_name: a.username, friend_avatar: "", not_read: expect.any(Number), disabled: false },
    ]);

    // The chat view: is_read (private) and what a reply answers.
    let view = succeed(await u("GET", `/conversation/${cid}`, { token: a.token })).messages;
    expect(view.map((m: any) => m.msg_body)).toEqual(["hello bob", "hi alice", "how are you?"]);
    expect(view[0]).toMatchObject({ msg_id: first.message_id, sender_id: a.id, sender_name: a.username, is_read: false, reply_count: 0, reply_to: null });
    expect(view[0]).not.toHaveProperty("read_by");
    expect(view[1].reply_count).toBe(1);
    expect(view[2].reply_to).toMatchObject({ msg_id: second.message_id, content: "hi alice", sender_id: b.id, sender_name: b.username });
    succeed(await u("POST", `/mark_as_read/${cid}`, { token: b.token }));
    view = succeed(await u("GET", `/conversation/${cid}`, { token: a.token })).messages;
    expect(view[0].is_read).toBe(true);
    expect(view[2].msg_id).toBe(reply.message_id);
    refused(await u("GET", `/conversation/${cid}`, { token: c.token }), 403, 33);
    refused(await u("GET", `/conversation/999999999`, { token: a.token }), 404, 30);
    refused(await u("POST", `/mark_as_read/${cid}`, { token: c.token }), 403, 33);

    // Records by member and by time.
    const byBob = succeed(await u("GET", `/records/${cid}?member_id=${b.id}`, { token: a.token })).messages;
    expect(byBob.map((m: any) => m.msg_body)).toEqual(["hi alice"]);
    const later = succeed(await u("GET", `/records/${cid}?start_time=${firstAt.toISOString()}`, { token: a.token })).messages;
    expect(later.map((m: any) => m.msg_body)).toEqual(["hi alice", "how are you?"]);
    const earlier = succeed(await u("GET", `/records/${cid}?end_time=${firstAt.toISOString()}`, { token: a.token })).messages;
    expect(earlier.map((m: any) => m.msg_body)).toEqual(["hello bob"]);
    refused(await u("GET", `/records/${cid}?member_id=${c.id}`, { token: a.token }), 404, 31, "Member not found");
    refused(await u("GET", `/records/${cid}?start_time=yesterday`, { token: a.token }), 400, 3);
    refused(await u("GET", `/records/${cid}`, { token: c.token }), 403, 33);

    // Deleting a message, then the records (for yourself only).
    refused(await u("POST", "/delete_message", { token: a.token, body: { conversation_id: cid, message_id: cid * 1_000_000_000 + 999 } }), 404, 32);
    refused(await u("POST", "/delete_message", { token: c.token, body: { conversation_id: cid, message_id: first.message_id } }), 403, 33);
    succeed(await u("POST", "/delete_message", { token: a.token, body: { conversation_id: cid, message_id: first.message_id } }));
    expect(succeed(await u("GET", `/conversation/${cid}`, { token: a.token })).messages).toHaveLength(2);
    refused(await u("POST", "/delete_records", { token: c.token, body: { conversation_id: cid } }), 403, 33);
    refused(await u("POST", "/delete_records", { token: a.token, body: { conversation_id: 999_999_999 } }), 404, 30);
    succeed(await u("POST", "/delete_records", { token: a.token, body: { conversation_id: cid } }));
    expect(succeed(await u("GET", `/records/${cid}`, { token: a.token })).messages).toEqual([]);
    expect(succeed(await u("GET", `/records/${cid}`, { token: b.token })).messages).toHaveLength(2);

    // Unfriending: 22 for nobody, 26 for a stranger; then the chat takes no more messages (26).
    refused(await u("POST", "/delete_friend", { token: a.token, body: { friend_id: 999_999_999 } }), 404, 22);
    refused(await u("POST", "/delete_friend", { token: a.token, body: { friend_id: c.id } }), 409, 26);
    succeed(await u("POST", "/delete_friend", { token: a.token, body: { friend_id: b.id } }));
    expect(succeed(await u("GET", "/get_friends", { token: b.token })).friends).toEqual([]);
    refused(await u("POST", "/send_message", { token: b.token, body: { conversation_id: cid, content: "still there?" } }), 409, 26);
  });
});

describe("doc 004: groups", () => {
  it("group -> admins -> transfer -> invitations -> quit -> delete", async () => {
    const [owner, amy, ben, cat, dan] = await Promise.all([user004("own"), user004("amy"), user004("ben"), user004("cat"), user004("dan")]);
    for (const f of [amy, ben, cat]) await befriend(owner, f);

    refused(await u("POST", "/create_group_conversation", { token: owner.token, body: { members_id: [amy.id, dan.id], name: uniq("g") } }), 409, 26);
    refused(await u("POST", "/create_group_conversation", { token: owner.token, body: { members_id: [amy.id, 999_999_999], name: uniq("g") } }), 404, 2);
    const name = uniq("team");
    const group = succeed(await u("POST", "/create_group_conversation", { token: owner.token, body: { members_id: [amy.id, String(ben.id)], name } }));
    expect(group).toMatchObject({ name, owner_id: owner.id });
    expect(group.members).toEqual([
      { id: owner.id, username: owner.username },
      { id: amy.id, username: amy.username },
      { id: ben.id, username: ben.username },
    ]);
    const gid = group.conversation_id;
    const listed = succeed(await u("GET", "/get_group_conversation", { token: amy.token })).conversations;
    expect(listed).toEqual([{ id: gid, is_private: false, group_name: name, group_avatar: "", not_read: 0, disabled: false }]);

    // A group message shows read_by.
    const sent = succeed(await u("POST", "/send_message", { token: amy.token, body: { conversation_id: gid, content: "hi all" } }));
    succeed(await u("POST", `/mark_as_read/${gid}`, { token: ben.token }));
    const view = succeed(await u("GET", `/conversation/${gid}`, { token: owner.token })).messages;
    expect(view[0]).toMatchObject({ msg_id: sent.message_id, read_by: [ben.id] });
    expect(view[0]).not.toHaveProperty("is_read");

    // Admins.
    refused(await u("POST", "/add_admin", { token: amy.token, body: { group_id: gid, member_id: ben.id } }), 403, 41, "User not authorized");
    refused(await u("POST", "/add_admin", { token: owner.token, body: { group_id: 999_999_999, member_id: ben.id } }), 404, 40, "Group not found");
    refused(await u("POST", "/add_admin", { token: owner.token, body: { group_id: gid, member_id: cat.id } }), 404, 31);
    succeed(await u("POST", "/add_admin", { token: owner.token, body: { group_id: gid, member_id: amy.id } }));
    refused(await u("POST", "/add_admin", { token: owner.token, body: { group_id: gid, member_id: amy.id } }), 409, 49, "Already admin");
    refused(await u("POST", "/remove_admin", { token: owner.token, body: { group_id: gid, member_id: ben.id } }), 403, 42, "Member not admin");
    refused(await u("POST", "/remove_admin", { token: owner.token, body: { group_id: gid, member_id: cat.id } }), 403, 43, "Not in group");
    refused(await u("POST", "/remove_admin", { token: owner.token, body: { group_id: gid, member_id: owner.id } }), 409, 48);

    // Invitations: an admin adds directly; a member's invitation waits for review.
    const direct = succeed(await u("POST", "/invite_member", { token: amy.token, body: { group_id: gid, invitee_id: cat.id } }));
    expect(direct.message).toBe("User added directly by admin/owner");
    const asked = succeed(await u("POST", "/invite_member", { token: ben.token, body: { group_id: gid, invitee_id: dan.id } }));
    expect(asked.request_id).toEqual(expect.any(Number));
    refused(await u("POST", "/invite_member", { token: ben.token, body: { group_id: gid, invitee_id: dan.id } }), 409, 50, "Invitation already sent");
    refused(await u("POST", "/invite_member", { token: dan.token, body: { group_id: gid, invitee_id: dan.id } }), 403, 41);
    refused(await u("POST", "/invite_member", { token: ben.token, body: { group_id: 999_999_999, invitee_id: dan.id } }), 404, 40);
    refused(await u("GET", `/view_invitations?group_id=${gid}`, { token: ben.token }), 403, 41);
    const pending = succeed(await u("GET", `/view_invitations?group_id=${gid}`, { token: amy.token })).join_requests;
    expect(pending.find((i: any) => i.request_id === asked.request_id)).toMatchObject({
      invitee_id: dan.id,
      invitee_name: dan.username,
      inviter_id: ben.id,
      inviter_name: ben.username,
      status: "pending",
    });
    expect(pending.find((i: any) => i.invitee_id === cat.id).status).toBe("accepted");
    refused(await u("POST", "/review_invitation", { token: ben.token, body: { request_id: asked.request_id, response: "accept" } }), 403, 41);
    refused(await u("POST", "/review_invitation", { token: amy.token, body: { request_id: 999_999_999, response: "accept" } }), 404, 51);
    succeed(await u("POST", "/review_invitation", { token: amy.token, body: { request_id: asked.request_id, response: "accept" } }));
    expect(succeed(await u("GET", "/get_group_conversation", { token: dan.token })).conversations.map((g: any) => g.id)).toEqual([gid]);

    // Removing members: 44 yourself, 45 the owner, 46 an admin (by an admin), 41 by a plain member.
    refused(await u("POST", "/remove_member", { token: amy.token, body: { group_id: gid, member_id: amy.id } }), 403, 44, "Cannot remove self");
    refused(await u("POST", "/remove_member", { token: amy.token, body: { group_id: gid, member_id: owner.id } }), 403, 45, "Cannot remove owner");
    succeed(await u("POST", "/add_admin", { token: owner.token, body: { group_id: gid, member_id: cat.id } }));
    refused(await u("POST", "/remove_member", { token: amy.token, body: { group_id: gid, member_id: cat.id } }), 403, 46, "Cannot remove admin");
    refused(await u("POST", "/remove_member", { token: ben.token, body: { group_id: gid, member_id: dan.id } }), 403, 41);
    succeed(await u("POST", "/remove_member", { token: amy.token, body: { group_id: gid, member_id: dan.id } }));
    refused(await u("POST", "/remove_member", { token: amy.token, body: { group_id: gid, member_id: dan.id } }), 403, 43);
    succeed(await u("POST", "/remove_admin", { token: owner.token, body: { group_id: gid, member_id: cat.id } }));

    // Ownership: the owner cannot quit (47) until it is transferred.
    refused(await u("POST", "/quit_group", { token: owner.token, body: { group_id: gid } }), 403, 47, "Owner cannot quit");
    refused(await u("POST", "/transfer_owner", { token: amy.token, body: { group_id: gid, new_owner_id: ben.id } }), 403, 41);
    refused(await u("POST", "/transfer_owner", { token: owner.token, body: { group_id: gid, new_owner_id: owner.id } }), 409, 48, "Already owner");
    refused(await u("POST", "/transfer_owner", { token: owner.token, body: { group_id: gid, new_owner_id: dan.id } }), 403, 43);
    succeed(await u("POST", "/transfer_owner", { token: owner.token, body: { group_id: gid, new_owner_id: amy.id } }));
    succeed(await u("POST", "/quit_group", { token: owner.token, body: { group_id: gid } }));
    // quit_group's table has no 43: someone not in the group is not authorized to quit it (41).
    refused(await u("POST", "/quit_group", { token: owner.token, body: { group_id: gid } }), 403, 41);
    refused(await u("POST", "/quit_group", { token: ben.token, body: { group_id: 999_999_999 } }), 404, 40);

    // Dissolving: only the owner.
    refused(await u("POST", "/delete_group", { token: ben.token, body: { group_id: gid } }), 403, 41);
    succeed(await u("POST", "/delete_group", { token: amy.token, body: { group_id: gid } }));
    refused(await u("POST", "/delete_group", { token: amy.token, body: { group_id: gid } }), 404, 40);
    expect(succeed(await u("GET", "/get_group_conversation", { token: ben.token })).conversations).toEqual([]);
  });
});
