// Mentions that count: @username, @here (members with a room socket open) and @all (every member)
// give each member a mention count per room, shown in the room list and the inbox next to the
// unread count and cleared by reading; who may use @here / @all (owner and admins, or everyone
// where the room allows it: by default rooms of up to 50 members), the refusal that stores
// nothing, and GET /users/me/mentions across rooms, paged.
import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createChatClient, type Mention } from "../client/src/index";
import { roomStub } from "../src/room/client";
import type { Room } from "../src/room/room";
import { api, BASE, bulkUsers, createRoom, expectError, flushRoom, join, registerUser, roomCast, type TestUser } from "./helpers";
import { connect } from "./ws";

const say = async (u: TestUser, roomId: number, content_text: string) => {
  const res = await api("POST", `/chat-rooms/${roomId}/messages`, { token: u.token, body: { content_text } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as { id: number };
};
/** The caller's mention count of a room in their room list and in their inbox (they must agree). */
const counts = async (u: TestUser, roomId: number) => {
  const rooms = await api("GET", "/chat-rooms/?current_user_only=true", { token: u.token });
  expect(rooms.status).toBe(200);
  const inbox = await api("GET", "/conversations?limit=100", { token: u.token });
  expect(inbox.status).toBe(200);
  const r = (rooms.json as any[]).find((x) => x.id === roomId);
  const i = (inbox.json as any[]).find((x) => x.id === roomId);
  expect(r.mention_count).toBe(i.mention_count);
  return { mentions: r.mention_count as number, unread: r.unread_messages_count as number };
};
const read = async (u: TestUser, roomId: number, message_id?: number) => {
  const res = await api("POST", `/chat-rooms/${roomId}/read`, { token: u.token, body: message_id ? { message_id } : {} });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
};
const storedTexts = (roomId: number) =>
  runInDurableObject(roomStub(env, roomId), (_r: Room, state) => state.storage.sql.exec("SELECT content_text FROM messages ORDER BY id").toArray().map((r) => r.content_text));
const mine = async (u: TestUser, query = "") => {
  const res = await api("GET", `/users/me/mentions${query}`, { token: u.token });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as any[];
};

describe("mention counts", () => {
  it("@username counts for the one mentioned, next to the unread count, and clears on read", async () => {
    const [alice, bob, carol] = await Promise.all(["al", "bo", "ca"].map((p) => registerUser(p)));
    const room = await createRoom(alice, { require_approval: false });
    for (const u of [bob, carol]) await join(room, alice, u);
    const first = await say(alice, room.id, `hi @${bob.username}`);
    await say(alice, room.id, "no mention here");
    const third = await say(carol, room.id, `@${bob.username.toUpperCase()} and @${alice.username}, see this`);
    await flushRoom(room.id);

    expect(await counts(bob, room.id)).toEqual({ mentions: 2, unread: 3 });
    // Alice's own messages are read (a sender has read up to their message): carol's is her one mention.
    expect(await counts(alice, room.id)).toEqual({ mentions: 1, unread: 1 });
    expect((await counts(carol, room.id)).mentions).toBe(0);

    // Reading up to the first mention leaves the second; reading everything clears it.
    await read(bob, room.id, first.id);
    expect(await counts(bob, room.id)).toEqual({ mentions: 1, unread: 2 });
    await read(bob, room.id, third.id);
    expect(await counts(bob, room.id)).toEqual({ mentions: 0, unread: 0 });
  });

  it("@here counts only the members with a room socket open; @all counts every member but the sender", async () => {
    const { room, owner, admin, member } = await roomCast({ require_approval: false });
    const online = await connect(room.id, member.token);
    await say(owner, room.id, "@here standup now");
    await flushRoom(room.id);
    expect((await counts(member, room.id)).mentions).toBe(1);
    expect((await counts(admin, room.id)).mentions).toBe(0);
    expect((await counts(owner, room.id)).mentions).toBe(0);
    online.ws.close();

    await say(admin, room.id, "@all release at five");
    await flushRoom(room.id);
    expect((await counts(member, room.id)).mentions).toBe(2);
    expect((await counts(owner, room.id)).mentions).toBe(1);
    expect((await counts(admin, room.id)).mentions).toBe(0);

    // An @all that also names someone counts once for them.
    await say(owner, room.id, `@all and especially @${member.username}`);
    await flushRoom(room.id);
    expect((await counts(member, room.id)).mentions).toBe(3);
    await read(member, room.id);
    expect((await counts(member, room.id)).mentions).toBe(0);
  });

  it("a deleted message stops counting", async () => {
    const [alice, bob] = await Promise.all(["al", "bo"].map((p) => registerUser(p)));
    const room = await createRoom(alice, { require_approval: false });
    await join(room, alice, bob);
    const m = await say(alice, room.id, `ping @${bob.username}`);
    await flushRoom(room.id);
    expect((await counts(bob, room.id)).mentions).toBe(1);
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${m.id}`, { token: alice.token })).status).toBe(204);
    expect((await counts(bob, room.id)).mentions).toBe(0);
    expect(await mine(bob)).toEqual([]);
  });
});

describe("who may use @here and @all", () => {
  it("a plain member of a room over 50 members is refused 403 mention_not_allowed, over REST and the socket, and nothing is stored", async () => {
    const { room, owner, admin, member } = await roomCast({ require_approval: false });
    // 48 more members: 51 in all, over the default's 50.
    const extra = await bulkUsers(48, "crowd");
    await env.DB.prepare("INSERT INTO room_members (room_id, user_id, role, status) SELECT ?1, value, 'member', 'active' FROM json_each(?2)")
      .bind(room.id, JSON.stringify(extra))
      .run();
    const before = await storedTexts(room.id);
    for (const text of ["@all look", "hey @here", "@ALL."]) {
      expectError(await api("POST", `/chat-rooms/${room.id}/messages`, { token: member.token, body: { content_text: text } }), 403, "mention_not_allowed");
    }
    const sock = await connect(room.id, member.token);
    sock.send({ type: "chat_message", content_text: "@all over the socket" });
    const err = await sock.next("error");
    expect(err.code).toBe("mention_not_allowed");
    sock.ws.close();
    expect(await storedTexts(room.id)).toEqual(before);
    await flushRoom(room.id);
    expect((await counts(owner, room.id)).mentions).toBe(0);

    // Not a mass mention: an e-mail address, a longer name.
    await say(member, room.id, "mail all@example.com or @allison");
    // Owner and admins may.
    await say(owner, room.id, "@all from the owner");
    await say(admin, room.id, "@here from an admin");
    expect(await storedTexts(room.id)).toEqual([...before, "mail all@example.com or @allison", "@all from the owner", "@here from an admin"]);
  });

  it("the room's setting lets every member do it, or stops them in a small room; only the owner changes it", async () => {
    const { room, owner, admin, member } = await roomCast({ require_approval: false });
    // A small room: allowed by default.
    expect(room.allow_mass_mentions).toBeNull();
    await say(member, room.id, "@all small room");
    // Turned off: members are refused, admins are not.
    expectError(await api("PUT", `/chat-rooms/${room.id}`, { token: admin.token, body: { allow_mass_mentions: false } }), 403);
    const off = await api("PUT", `/chat-rooms/${room.id}`, { token: owner.token, body: { allow_mass_mentions: false } });
    expect(off.status, JSON.stringify(off.json)).toBe(200);
    expect(off.json.allow_mass_mentions).toBe(false);
    expectError(await api("POST", `/chat-rooms/${room.id}/messages`, { token: member.token, body: { content_text: "@here anyone?" } }), 403, "mention_not_allowed");
    await say(admin, room.id, "@here admins still can");
    // Turned on in a big room: members may.
    const extra = await bulkUsers(60, "crowd");
    await env.DB.prepare("INSERT INTO room_members (room_id, user_id, role, status) SELECT ?1, value, 'member', 'active' FROM json_each(?2)")
      .bind(room.id, JSON.stringify(extra))
      .run();
    const on = await api("PUT", `/chat-rooms/${room.id}`, { token: owner.token, body: { allow_mass_mentions: true } });
    expect(on.json.allow_mass_mentions).toBe(true);
    const big = await say(member, room.id, "@all big room, allowed");
    expectError(await api("PUT", `/chat-rooms/${room.id}`, { token: owner.token, body: { allow_mass_mentions: "yes" } }), 400);
    await flushRoom(room.id);
    // One row for the @all of a room of 63 members: a send writes nothing per member.
    const rows = await env.DB.prepare("SELECT user_id, kind FROM mentions WHERE room_id = ? AND message_id = ?").bind(room.id, big.id).all();
    expect(rows.results).toEqual([{ user_id: null, kind: "all" }]);
    // The owner: the small-room @all, then (after the admin's @here, sent while nobody was online) the big-room one.
    expect((await counts(owner, room.id)).mentions).toBe(2);
  });
});

describe("GET /users/me/mentions", () => {
  it("lists the caller's mentions across rooms, newest first, paged with before; outsiders get nothing", async () => {
    const [alice, bob, outsider] = await Promise.all(["al", "bo", "ou"].map((p) => registerUser(p)));
    const r1 = await createRoom(alice, { require_approval: false });
    const r2 = await createRoom(alice, { require_approval: false });
    for (const r of [r1, r2]) await join(r, alice, bob);
    const a = await say(alice, r1.id, `one @${bob.username}`);
    await say(alice, r1.id, `not for bob`);
    const b = await say(alice, r2.id, `@all two`);
    const c = await say(alice, r1.id, `three @${bob.username} @${outsider.username}`);
    await flushRoom(r1.id);
    await flushRoom(r2.id);
    await read(bob, r1.id, a.id);

    const all = await mine(bob);
    expect(all.map((m) => [m.room.id, m.message_id, m.kind])).toEqual([
      [r1.id, c.id, "user"],
      [r2.id, b.id, "all"],
      [r1.id, a.id, "user"],
    ]);
    expect(all[0]).toEqual({
      id: expect.any(Number),
      room: { id: r1.id, kind: "group", name: r1.name },
      message_id: c.id,
      kind: "user",
      sender: { id: alice.id, username: alice.username },
      preview: `three @${bob.username} @${outsider.username}`,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      read: false,
    });
    expect(all[2].read).toBe(true);
    const page1 = await mine(bob, "?limit=2");
    expect(page1.map((m) => m.message_id)).toEqual([c.id, b.id]);
    const page2 = await mine(bob, `?limit=2&before=${page1[1].id}`);
    expect(page2.map((m) => m.message_id)).toEqual([a.id]);
    expect(await mine(bob, `?before=${page2[0].id}`)).toEqual([]);

    // Named but not a member; the sender's own @all is not a mention of her.
    expect(await mine(outsider)).toEqual([]);
    expect(await mine(alice)).toEqual([]);
    expect((await counts(alice, r2.id)).mentions).toBe(0);
    // The outsider's room list shows no count for a room they are not in.
    const seen = await api("GET", `/chat-rooms/${r1.id}`, { token: outsider.token });
    expect(seen.status).toBe(403);
    const list = await api("GET", "/chat-rooms/", { token: outsider.token });
    expect((list.json as any[]).find((x) => x.id === r1.id)?.mention_count).toBe(0);
    // Leaving a room takes its mentions out of the list.
    expect((await api("POST", `/chat-rooms/${r2.id}/leave`, { token: bob.token })).status).toBeLessThan(300);
    expect((await mine(bob)).map((m) => m.message_id)).toEqual([c.id, a.id]);

    expectError(await api("GET", "/users/me/mentions?limit=0", { token: bob.token }), 400);
    expectError(await api("GET", "/users/me/mentions?before=x", { token: bob.token }), 400);
    expectError(await api("GET", "/users/me/mentions"), 401);
  });
});

describe("the typed client", () => {
  it("reads mention_count and /users/me/mentions through its typed REST", async () => {
    const [alice, bob] = await Promise.all(["al", "bo"].map((p) => registerUser(p)));
    const room = await createRoom(alice, { require_approval: false });
    await join(room, alice, bob);
    const m = await say(alice, room.id, `look @${bob.username}`);
    await flushRoom(room.id);
    const client = createChatClient({ baseUrl: BASE.replace("/api/v1", ""), fetch: (req) => exports.default.fetch(req) });
    client.setToken(bob.token);
    const { data } = await client.rest.GET("/api/v1/users/me/mentions", { params: { query: { limit: 10 } } });
    const mentions: Mention[] = data!;
    expect(mentions.map((x) => x.message_id)).toEqual([m.id]);
    const rooms = await client.rest.GET("/api/v1/chat-rooms", { params: { query: { current_user_only: "true" } } });
    expect(rooms.data!.find((r) => r.id === room.id)?.mention_count).toBe(1);
  });
});
