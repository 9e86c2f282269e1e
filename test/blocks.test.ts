import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, expectError, registerUser, type TestUser } from "./helpers";
import { befriend, block, follow, followRows, friendshipRows, requestRows } from "./social";

const NOBODY = 999_999_999;

const pair = () => Promise.all([registerUser("ba"), registerUser("bb")]);
const unblock = (who: TestUser, id: number | string) => api("DELETE", `/users/${id}/block`, { token: who.token });
const blockedList = (who: TestUser, query = "") => api("GET", `/users/me/blocked${query}`, { token: who.token });
const profile = (viewer: TestUser, of: TestUser) => api("GET", `/users/${of.id}`, { token: viewer.token });

describe("POST /users/{user_id}/block", () => {
  it("blocks: 200 with the blocked user, listed in /users/me/blocked", async () => {
    const [a, b] = await pair();
    const res = await api("POST", `/users/${b.id}/block`, { token: a.token });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ id: b.id, username: b.username, display_name: null, avatar_url: null, blocked_at: expect.stringMatching(/Z$/) });
    const list = await blockedList(a);
    expect(list.status).toBe(200);
    expect(list.json).toEqual([res.json]);
    // The blocked side sees nothing in its own list.
    expect((await blockedList(b)).json).toEqual([]);
  });

  it("400 yourself, 404 unknown, 409 already blocked, 400 garbage id, 401 without a token", async () => {
    const [a, b] = await pair();
    expectError(await api("POST", `/users/${a.id}/block`, { token: a.token }), 400, "cannot_block_self");
    expectError(await api("POST", `/users/${NOBODY}/block`, { token: a.token }), 404, "user_not_found");
    await block(a, b);
    expectError(await api("POST", `/users/${b.id}/block`, { token: a.token }), 409, "already_blocked");
    expectError(await api("POST", "/users/abc/block", { token: a.token }), 400, "invalid_request");
    expectError(await api("POST", "/users/0/block", { token: a.token }), 400, "invalid_request");
    expectError(await api("POST", `/users/${b.id}/block`), 401);
    expect((await blockedList(a)).json).toHaveLength(1);
  });

  it("blocking each other is allowed (two independent blocks)", async () => {
    const [a, b] = await pair();
    await block(a, b);
    await block(b, a);
    expect((await blockedList(a)).json.map((u: any) => u.id)).toEqual([b.id]);
    expect((await blockedList(b)).json.map((u: any) => u.id)).toEqual([a.id]);
  });

  it("removes the friendship (both rows), pending requests both ways and follows both ways", async () => {
    const [a, b] = await pair();
    const [c, d] = await pair();
    await befriend(a, b);
    await follow(a, b);
    await follow(b, a);
    // Old history stays; only pending requests go.
    expect((await requestRows(a, b)).map((r) => r.status)).toEqual(["accepted"]);
    // A pending request in each direction between c and d cannot happen through the API
    // (they would meet), so the second goes straight into D1.
    expect((await api("POST", "/friends/requests", { token: c.token, body: { user_id: d.id } })).status).toBe(200);
    await env.DB.prepare("INSERT INTO friend_requests (from_id, to_id) VALUES (?, ?)").bind(d.id, c.id).run();
    await follow(d, c);

    await block(a, b);
    await block(d, c);
    expect(await friendshipRows(a, b)).toEqual([]);
    expect(await followRows(a, b)).toEqual([]);
    expect((await requestRows(a, b)).map((r) => r.status)).toEqual(["accepted"]);
    expect(await requestRows(c, d)).toEqual([]);
    expect(await followRows(c, d)).toEqual([]);
    expect((await api("GET", "/friends", { token: b.token })).json).toEqual([]);
    expect((await api("GET", "/friends/requests", { token: d.token })).json).toEqual({ received: [], sent: [] });
  });

  it("a refused duplicate block changes nothing (the batch is all or nothing)", async () => {
    const [a, b] = await pair();
    await block(a, b);
    // A tie that appeared behind the API's back must survive the failed second block.
    await env.DB.prepare("INSERT INTO follows (follower_id, followed_id) VALUES (?, ?)").bind(a.id, b.id).run();
    expectError(await api("POST", `/users/${b.id}/block`, { token: a.token }), 409, "already_blocked");
    expect(await followRows(a, b)).toHaveLength(1);
  });

  it("/users/me/blocked pages newest first and is not taken for /users/{user_id}", async () => {
    const me = await registerUser("bme");
    const [x, y, z] = await Promise.all([registerUser("bx"), registerUser("by"), registerUser("bz")]);
    for (const u of [x, y, z]) await block(me, u);
    expect((await blockedList(me)).json.map((u: any) => u.id)).toEqual([z.id, y.id, x.id]);
    expect((await blockedList(me, "?limit=1&offset=1")).json.map((u: any) => u.id)).toEqual([y.id]);
    expectError(await blockedList(me, "?limit=101"), 400, "invalid_request");
    expectError(await api("GET", "/users/me/blocked"), 401);
  });
});

describe("DELETE /users/{user_id}/block", () => {
  it("unblocks; friendship and follows are not restored; 404 when not blocked", async () => {
    const [a, b] = await pair();
    await befriend(a, b);
    await follow(b, a);
    await block(a, b);
    const res = await unblock(a, b.id);
    expect(res.status).toBe(204);
    expect((await blockedList(a)).json).toEqual([]);
    expect(await friendshipRows(a, b)).toEqual([]);
    expect(await followRows(a, b)).toEqual([]);
    expectError(await unblock(a, b.id), 404, "not_blocked");
    expectError(await unblock(a, NOBODY), 404, "not_blocked");
    expectError(await unblock(a, "abc"), 400, "invalid_request");
  });

  it("only the blocker can lift a block", async () => {
    const [a, b] = await pair();
    await block(a, b);
    expectError(await unblock(b, a.id), 404, "not_blocked");
    expect((await blockedList(a)).json).toHaveLength(1);
  });

  it("after unblocking they can send requests and follow again", async () => {
    const [a, b] = await pair();
    await block(a, b);
    await unblock(a, b.id);
    await befriend(b, a);
    await follow(b, a);
    expectError(await api("POST", `/users/${a.id}/follow`, { token: b.token }), 409, "already_following");
    expect(await friendshipRows(a, b)).toHaveLength(2);
    expect(await followRows(a, b)).toHaveLength(1);
  });
});

describe("a block refuses contact, without revealing itself", () => {
  it("friend requests: 403 cannot_send_request in both directions, with the same message", async () => {
    const [a, b] = await pair();
    await block(a, b);
    const fromBlocked = await api("POST", "/friends/requests", { token: b.token, body: { user_id: a.id } });
    const fromBlocker = await api("POST", "/friends/requests", { token: a.token, body: { user_id: b.id } });
    expectError(fromBlocked, 403, "cannot_send_request");
    expectError(fromBlocker, 403, "cannot_send_request");
    expect(fromBlocked.json.detail).toBe(fromBlocker.json.detail);
    expect(fromBlocked.json.detail).not.toMatch(/block/i);
    expect(await requestRows(a, b)).toEqual([]);
  });

  it("a pending request cannot be accepted after a block (it is gone: 404)", async () => {
    const [a, b] = await pair();
    const sent = await api("POST", "/friends/requests", { token: b.token, body: { user_id: a.id } });
    await block(a, b);
    const res = await api("POST", `/friends/requests/${sent.json.id}/respond`, { token: a.token, body: { action: "accept" } });
    expectError(res, 404, "friend_request_not_found");
    expect(await friendshipRows(a, b)).toEqual([]);
  });

  it("follows: 403 cannot_follow in both directions, nothing written", async () => {
    const [a, b] = await pair();
    await block(a, b);
    const res = await api("POST", `/users/${a.id}/follow`, { token: b.token });
    expectError(res, 403, "cannot_follow");
    expect(res.json.detail).not.toMatch(/block/i);
    expectError(await api("POST", `/users/${b.id}/follow`, { token: a.token }), 403, "cannot_follow");
    expect(await followRows(a, b)).toEqual([]);
  });

  it("profiles: `blocked` is true only for the blocker; the blocked user cannot tell", async () => {
    const [a, b] = await pair();
    await befriend(a, b);
    await follow(a, b);
    await follow(b, a);
    expect((await profile(a, b)).json).toMatchObject({ is_friend: true, is_following: true, follows_you: true, blocked: false });
    await block(a, b);
    expect((await profile(a, b)).json).toMatchObject({ is_friend: false, is_following: false, follows_you: false, blocked: true });
    const seen = await profile(b, a);
    expect(seen.status).toBe(200);
    expect(seen.json).toMatchObject({ id: a.id, is_friend: false, blocked: false });
    expect(Object.keys(seen.json).some((k) => /blocked_by|blocks_you/.test(k))).toBe(false);
  });
});
