import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getDb } from "../src/db/client";
import { areFriends } from "../src/friends/queries";
import { api, expectError, registerUser, type TestUser } from "./helpers";
import { befriend, friendshipRows, requestRows } from "./social";

const NOBODY = 999_999_999;

const send = (from: TestUser, to: number | unknown, extra: Record<string, unknown> = {}) =>
  api("POST", "/friends/requests", { token: from.token, body: { user_id: to, ...extra } });
const respond = (who: TestUser, requestId: number | string, action: unknown) =>
  api("POST", `/friends/requests/${requestId}/respond`, { token: who.token, body: { action } });
const requests = (who: TestUser, query = "") => api("GET", `/friends/requests${query}`, { token: who.token });
const friends = (who: TestUser, query = "") => api("GET", `/friends${query}`, { token: who.token });
const setGroup = (who: TestUser, friendId: number | string, group: unknown) =>
  api("PUT", `/friends/${friendId}/group`, { token: who.token, body: { group } });
const pair = () => Promise.all([registerUser("fa"), registerUser("fb")]);

describe("POST /friends/requests", () => {
  it("creates a pending request with both names and the message", async () => {
    const [a, b] = await pair();
    const res = await send(a, b.id, { message: "hi, it's me" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      from_id: a.id,
      from_name: a.username,
      to_id: b.id,
      to_name: b.username,
      message: "hi, it's me",
      status: "pending",
      responded_at: null,
    });
    expect(res.json.created_at).toMatch(/Z$/);
    expect(await friendshipRows(a, b)).toHaveLength(0);
  });

  it("400 to yourself, 404 to nobody, 401 without a token", async () => {
    const [a] = await pair();
    expectError(await send(a, a.id), 400, "cannot_friend_self");
    expectError(await send(a, NOBODY), 404, "user_not_found");
    expectError(await api("POST", "/friends/requests", { body: { user_id: a.id } }), 401);
  });

  it("409 when a request from you is already pending; one row only", async () => {
    const [a, b] = await pair();
    expect((await send(a, b.id)).status).toBe(200);
    expectError(await send(a, b.id), 409, "request_already_sent");
    expect(await requestRows(a, b)).toHaveLength(1);
  });

  it("409 when already friends", async () => {
    const [a, b] = await pair();
    await befriend(a, b);
    expectError(await send(a, b.id), 409, "already_friends");
    expectError(await send(b, a.id), 409, "already_friends");
  });

  it("crossing requests meet: the second sender becomes a friend at once", async () => {
    const [a, b] = await pair();
    const first = await send(a, b.id);
    const second = await send(b, a.id, { message: "me too" });
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ from_id: b.id, to_id: a.id, status: "accepted" });
    expect(second.json.responded_at).toMatch(/Z$/);
    expect((await requestRows(a, b)).map((r) => [r.id, r.status])).toEqual([
      [first.json.id, "accepted"],
      [second.json.id, "accepted"],
    ]);
    expect(await friendshipRows(a, b)).toHaveLength(2);
    expect((await friends(a)).json.map((f: any) => f.id)).toEqual([b.id]);
    expect((await friends(b)).json.map((f: any) => f.id)).toEqual([a.id]);
  });

  it("concurrent crossing requests still end in exactly one friendship", async () => {
    const [a, b] = await pair();
    const results = await Promise.all([send(a, b.id), send(b, a.id)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const rows = await requestRows(a, b);
    expect(rows.every((r) => r.status === "accepted")).toBe(true);
    expect(await friendshipRows(a, b)).toHaveLength(2);
  });

  it("concurrent duplicate requests: one succeeds, the other is 409", async () => {
    const [a, b] = await pair();
    const results = await Promise.all([send(a, b.id), send(a, b.id), send(a, b.id)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(await requestRows(a, b)).toHaveLength(1);
  });

  it("a rejected request can be sent again", async () => {
    const [a, b] = await pair();
    const first = await send(a, b.id);
    expect((await respond(b, first.json.id, "reject")).status).toBe(200);
    const again = await send(a, b.id);
    expect(again.status).toBe(200);
    expect(again.json.status).toBe("pending");
    expect((await requestRows(a, b)).map((r) => r.status)).toEqual(["rejected", "pending"]);
  });

  it("garbage bodies are 400 invalid_request and create nothing", async () => {
    const [a, b] = await pair();
    for (const body of [
      {},
      { user_id: "abc" },
      { user_id: String(b.id) },
      { user_id: -1 },
      { user_id: 1.5 },
      { user_id: b.id, message: "x".repeat(501) },
      { user_id: b.id, extra: true },
    ]) {
      expectError(await api("POST", "/friends/requests", { token: a.token, body }), 400, "invalid_request");
    }
    expectError(await api("POST", "/friends/requests", { token: a.token, raw: "{nope", headers: { "Content-Type": "application/json" } }), 400);
    expect(await requestRows(a, b)).toHaveLength(0);
  });
});

describe("GET /friends/requests", () => {
  it("lists received and sent requests with status and names, newest first", async () => {
    const [me, x, y, z] = await Promise.all([registerUser("lme"), registerUser("lx"), registerUser("ly"), registerUser("lz")]);
    const fromX = await send(x, me.id);
    const fromY = await send(y, me.id);
    const toZ = await send(me, z.id);
    await respond(me, fromX.json.id, "reject");

    const res = await requests(me);
    expect(res.status).toBe(200);
    expect(res.json.received.map((r: any) => [r.id, r.from_name, r.status])).toEqual([
      [fromY.json.id, y.username, "pending"],
      [fromX.json.id, x.username, "rejected"],
    ]);
    expect(res.json.sent).toEqual([expect.objectContaining({ id: toZ.json.id, to_id: z.id, to_name: z.username, status: "pending" })]);
    expect((await requests(z)).json.received.map((r: any) => r.id)).toEqual([toZ.json.id]);

    const pending = await requests(me, "?status=pending");
    expect(pending.json.received.map((r: any) => r.id)).toEqual([fromY.json.id]);
    expect(pending.json.sent).toHaveLength(1);
    const paged = await requests(me, "?limit=1&offset=1");
    expect(paged.json.received.map((r: any) => r.id)).toEqual([fromX.json.id]);
    expect(paged.json.sent).toEqual([]);
  });

  it("400 for an unknown status filter, 401 without a token", async () => {
    const [a] = await pair();
    expectError(await requests(a, "?status=maybe"), 400, "invalid_request");
    expectError(await api("GET", "/friends/requests"), 401);
  });
});

describe("POST /friends/requests/{id}/respond", () => {
  it("accept makes both users friends (two rows) and stamps the request", async () => {
    const [a, b] = await pair();
    const sent = await send(a, b.id);
    const res = await respond(b, sent.json.id, "accept");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: sent.json.id, status: "accepted" });
    expect(res.json.responded_at).toMatch(/Z$/);
    expect((await friendshipRows(a, b)).map((r) => [r.user_id, r.friend_id])).toEqual([
      [a.id, b.id],
      [b.id, a.id],
    ]);
    const db = getDb(env.DB);
    expect(await areFriends(db, a.id, b.id)).toBe(true);
    expect(await areFriends(db, b.id, a.id)).toBe(true);
  });

  it("reject leaves them strangers", async () => {
    const [a, b] = await pair();
    const sent = await send(a, b.id);
    const res = await respond(b, sent.json.id, "reject");
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("rejected");
    expect(await friendshipRows(a, b)).toHaveLength(0);
    expect(await areFriends(getDb(env.DB), a.id, b.id)).toBe(false);
  });

  it("only the recipient may respond: 403 for the sender, 404 for strangers and unknown ids", async () => {
    const [a, b] = await pair();
    const stranger = await registerUser("fs");
    const sent = await send(a, b.id);
    expectError(await respond(a, sent.json.id, "accept"), 403, "not_recipient");
    expectError(await respond(stranger, sent.json.id, "accept"), 404, "friend_request_not_found");
    expectError(await respond(b, NOBODY, "accept"), 404, "friend_request_not_found");
    expect((await requestRows(a, b))[0].status).toBe("pending");
    expect(await friendshipRows(a, b)).toHaveLength(0);
  });

  it("400 when the request is no longer pending", async () => {
    const [a, b] = await pair();
    const sent = await send(a, b.id);
    await respond(b, sent.json.id, "reject");
    expectError(await respond(b, sent.json.id, "accept"), 400, "request_not_pending");
    expectError(await respond(b, sent.json.id, "reject"), 400, "request_not_pending");
    expect(await friendshipRows(a, b)).toHaveLength(0);
  });

  it("concurrent accepts produce one friendship", async () => {
    const [a, b] = await pair();
    const sent = await send(a, b.id);
    const results = await Promise.all([1, 2, 3].map(() => respond(b, sent.json.id, "accept")));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    for (const r of results.filter((r) => r.status === 400)) expect(r.json.code).toBe("request_not_pending");
    expect(await friendshipRows(a, b)).toHaveLength(2);
  });

  it("concurrent accept and reject: exactly one wins and the state matches it", async () => {
    const [a, b] = await pair();
    const sent = await send(a, b.id);
    const [acc, rej] = await Promise.all([respond(b, sent.json.id, "accept"), respond(b, sent.json.id, "reject")]);
    expect([acc.status, rej.status].sort()).toEqual([200, 400]);
    const final = (await requestRows(a, b))[0].status;
    expect(final).toBe(acc.status === 200 ? "accepted" : "rejected");
    expect(await friendshipRows(a, b)).toHaveLength(final === "accepted" ? 2 : 0);
  });

  it("accepting also settles my own pending request to them", async () => {
    const [a, b] = await pair();
    // Two opposite pending requests can only coexist if inserted behind the API's back.
    const sent = await send(a, b.id);
    await env.DB.prepare("INSERT INTO friend_requests (from_id, to_id) VALUES (?, ?)").bind(b.id, a.id).run();
    expect((await respond(b, sent.json.id, "accept")).status).toBe(200);
    expect((await requestRows(a, b)).map((r) => r.status)).toEqual(["accepted", "accepted"]);
  });

  it("bad actions and ids are 400", async () => {
    const [a, b] = await pair();
    const sent = await send(a, b.id);
    expectError(await respond(b, sent.json.id, "maybe"), 400, "invalid_request");
    expectError(await respond(b, sent.json.id, null), 400, "invalid_request");
    expectError(await respond(b, "abc", "accept"), 400, "invalid_request");
    expectError(await respond(b, 0, "accept"), 400, "invalid_request");
    expect((await requestRows(a, b))[0].status).toBe("pending");
  });
});

describe("GET /friends and friend groups", () => {
  it("lists friends with profile fields, group and since", async () => {
    const me = await registerUser("gme");
    const f1 = await registerUser("gf1", { display_name: "Friend One" });
    await befriend(me, f1);
    const res = await friends(me);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { id: f1.id, username: f1.username, display_name: "Friend One", avatar_url: null, group: null, since: expect.stringMatching(/Z$/) },
    ]);
    expect((await friends(me, "/")).status).toBe(200);
  });

  it("each side groups the other independently; ?group= filters; null ungroups", async () => {
    const me = await registerUser("gme");
    const [f1, f2, f3] = await Promise.all([registerUser("gf"), registerUser("gf"), registerUser("gf")]);
    await befriend(me, f1);
    await befriend(f2, me);
    await befriend(me, f3);

    const put = await setGroup(me, f1.id, "  Work  ");
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ id: f1.id, username: f1.username, group: "Work" });
    expect((await setGroup(me, f2.id, "Work")).status).toBe(200);
    expect((await setGroup(me, f3.id, "家人")).status).toBe(200);

    expect((await friends(me, "?group=Work")).json.map((f: any) => f.id).sort()).toEqual([f1.id, f2.id].sort());
    expect((await friends(me, `?group=${encodeURIComponent("家人")}`)).json.map((f: any) => f.id)).toEqual([f3.id]);
    expect((await friends(me, "?group=Nobody")).json).toEqual([]);
    // f1's own view of me is untouched.
    expect((await friends(f1)).json).toEqual([expect.objectContaining({ id: me.id, group: null })]);
    expect((await friendshipRows(me, f1)).map((r) => r.group_name)).toEqual(["Work", null]);

    const groups = await api("GET", "/friends/groups", { token: me.token });
    expect(groups.status).toBe(200);
    expect(groups.json).toEqual(
      expect.arrayContaining([
        { name: "Work", count: 2 },
        { name: "家人", count: 1 },
      ]),
    );
    expect(groups.json).toHaveLength(2);

    const cleared = await setGroup(me, f1.id, null);
    expect(cleared.status).toBe(200);
    expect(cleared.json.group).toBeNull();
    expect((await friends(me, "?group=Work")).json.map((f: any) => f.id)).toEqual([f2.id]);
  });

  it("PUT group: 404 unknown user, 409 not friends, 400 yourself or a bad name; nothing changes", async () => {
    const [a, b] = await pair();
    const c = await registerUser("fc");
    await befriend(a, b);
    expectError(await setGroup(a, NOBODY, "x"), 404, "user_not_found");
    expectError(await setGroup(a, c.id, "x"), 409, "not_friends");
    expectError(await setGroup(a, a.id, "x"), 400, "cannot_target_self");
    for (const bad of ["", "   ", "x".repeat(33), 42, "tab\there"]) expectError(await setGroup(a, b.id, bad), 400, "invalid_request");
    expectError(await api("PUT", `/friends/${b.id}/group`, { token: a.token, body: {} }), 400, "invalid_request");
    expectError(await setGroup(a, "abc", "x"), 400, "invalid_request");
    expect((await setGroup(a, b.id, "x".repeat(32))).status).toBe(200);
    expect((await friendshipRows(a, b)).map((r) => r.group_name)).toEqual(["x".repeat(32), null]);
  });

  it("400 for a bad group filter or paging, 401 without a token", async () => {
    const [a] = await pair();
    expectError(await friends(a, `?group=${"x".repeat(33)}`), 400, "invalid_request");
    expectError(await friends(a, "?group="), 400, "invalid_request");
    expectError(await friends(a, "?limit=0"), 400, "invalid_request");
    expectError(await api("GET", "/friends"), 401);
  });
});

describe("DELETE /friends/{user_id}", () => {
  it("removes both directions; they can become friends again later", async () => {
    const [a, b] = await pair();
    await befriend(a, b);
    await setGroup(b, a.id, "Old");
    const res = await api("DELETE", `/friends/${b.id}`, { token: a.token });
    expect(res.status).toBe(204);
    expect(await friendshipRows(a, b)).toHaveLength(0);
    expect((await friends(b)).json).toEqual([]);
    await befriend(b, a);
    expect((await friendshipRows(a, b)).map((r) => r.group_name)).toEqual([null, null]);
  });

  it("404 unknown user vs 409 not friends; 400 yourself or a garbage id", async () => {
    const [a, b] = await pair();
    expectError(await api("DELETE", `/friends/${NOBODY}`, { token: a.token }), 404, "user_not_found");
    expectError(await api("DELETE", `/friends/${b.id}`, { token: a.token }), 409, "not_friends");
    expectError(await api("DELETE", `/friends/${a.id}`, { token: a.token }), 400, "cannot_target_self");
    expectError(await api("DELETE", "/friends/abc", { token: a.token }), 400, "invalid_request");
    await befriend(a, b);
    expect((await api("DELETE", `/friends/${a.id}`, { token: b.token })).status).toBe(204);
    expectError(await api("DELETE", `/friends/${a.id}`, { token: b.token }), 409, "not_friends");
  });
});

describe("profiles and settings", () => {
  it("GET /users/{id} says is_friend from the viewer's side", async () => {
    const [a, b] = await pair();
    const c = await registerUser("fc");
    await befriend(a, b);
    expect((await api("GET", `/users/${b.id}`, { token: a.token })).json).toMatchObject({ is_friend: true, blocked: false });
    expect((await api("GET", `/users/${a.id}`, { token: b.token })).json.is_friend).toBe(true);
    expect((await api("GET", `/users/${b.id}`, { token: c.token })).json.is_friend).toBe(false);
  });

  it("PATCH /users/me dm_policy", async () => {
    const [a] = await pair();
    expect((await api("GET", "/users/me", { token: a.token })).json.dm_policy).toBe("everyone");
    const res = await api("PATCH", "/users/me", { token: a.token, body: { dm_policy: "friends" } });
    expect(res.status).toBe(200);
    expect(res.json.dm_policy).toBe("friends");
    expectError(await api("PATCH", "/users/me", { token: a.token, body: { dm_policy: "nobody" } }), 400, "invalid_request");
    expect((await api("GET", "/users/me", { token: a.token })).json.dm_policy).toBe("friends");
  });
});

describe("OpenAPI", () => {
  it("documents the friend and block routes", async () => {
    const doc = await api("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.json.paths);
    for (const p of [
      "/api/v1/friends/requests",
      "/api/v1/friends/requests/{request_id}/respond",
      "/api/v1/friends",
      "/api/v1/friends/groups",
      "/api/v1/friends/{user_id}",
      "/api/v1/friends/{user_id}/group",
      "/api/v1/users/{user_id}/block",
      "/api/v1/users/me/blocked",
    ]) {
      expect(paths.some((x) => x.replace(/\/$/, "") === p), p).toBe(true);
    }
  });
});
