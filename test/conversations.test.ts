import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect } from "./ws";
import worker from "../src/index";
import { api, flushRoom, BASE, createRoom, expectError, registerUser, uniq, type TestUser } from "./helpers";

const MUTE_FOREVER = "9999-12-31T23:59:59.999Z";

const direct = (a: TestUser, b: { id: number }) => api("POST", "/conversations/direct", { token: a.token, body: { user_id: b.id } });
const group = (owner: TestUser, body: Record<string, unknown>) =>
  api("POST", "/conversations/group", { token: owner.token, body: { name: uniq("grp"), ...body } });
const inbox = (u: TestUser, query = "") => api("GET", `/conversations${query}`, { token: u.token });
const settings = (u: TestUser, roomId: number, body: unknown) => api("PUT", `/chat-rooms/${roomId}/settings`, { token: u.token, body });

const blockUser = (blocker: TestUser, blocked: TestUser) =>
  env.DB.prepare("INSERT INTO blocks (blocker_id, blocked_id) VALUES (?, ?)").bind(blocker.id, blocked.id).run();
const befriendRows = (a: TestUser, b: TestUser) =>
  env.DB.batch([
    env.DB.prepare("INSERT INTO friendships (user_id, friend_id) VALUES (?, ?)").bind(a.id, b.id),
    env.DB.prepare("INSERT INTO friendships (user_id, friend_id) VALUES (?, ?)").bind(b.id, a.id),
  ]);

/** What the room object's write-behind would do after a message: bump the room summary. */
let clock = Date.parse("2031-01-01T00:00:00.000Z");
async function message(roomId: number, sender: TestUser, content: string, at = new Date((clock += 1000)).toISOString()) {
  await env.DB.prepare(
    "UPDATE rooms SET last_message_id = last_message_id + 1, last_message_sender = ?, last_message_content = ?, last_activity_at = ? WHERE id = ?",
  )
    .bind(sender.username, content, at, roomId)
    .run();
}
const markRead = (roomId: number, user: TestUser) =>
  env.DB.prepare("UPDATE room_members SET last_read_message_id = (SELECT last_message_id FROM rooms WHERE id = ?1) WHERE room_id = ?1 AND user_id = ?2")
    .bind(roomId, user.id)
    .run();

const members = async (roomId: number) =>
  (
    await env.DB.prepare("SELECT user_id, role, status FROM room_members WHERE room_id = ? ORDER BY user_id").bind(roomId).all<{ user_id: number; role: string; status: string }>()
  ).results;

describe("direct conversations", () => {
  it("get-or-create: one room of kind direct with both users as plain members", async () => {
    const [a, b] = await Promise.all([registerUser("a"), registerUser("b", { display_name: "Bee" })]);
    const first = await direct(a, b);
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const lo = Math.min(a.id, b.id);
    const hi = Math.max(a.id, b.id);
    expect(first.json).toMatchObject({ kind: "direct", name: `direct:${lo}:${hi}`, visibility: "private", require_approval: false, creator_id: a.id, members_count: 2, my_role: "member", created: true });
    expect(first.json.peer).toMatchObject({ id: b.id, username: b.username, display_name: "Bee", online: null });
    expect(await members(first.json.id)).toEqual(
      [a.id, b.id].sort((x, y) => x - y).map((id) => ({ user_id: id, role: "member", status: "active" })),
    );
    const again = await direct(b, a);
    expect(again.json).toMatchObject({ id: first.json.id, created: false });
    expect(again.json.peer.id).toBe(a.id);
  });

  it("concurrent get-or-create calls from both sides give one conversation", async () => {
    const [a, b] = await Promise.all([registerUser("a"), registerUser("b")]);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? direct(a, b) : direct(b, a))));
    for (const r of results) expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(new Set(results.map((r) => r.json.id)).size).toBe(1);
    expect(results.filter((r) => r.json.created)).toHaveLength(1);
    const key = `${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}`;
    const n = await env.DB.prepare("SELECT count(*) AS n FROM rooms WHERE direct_key = ?").bind(key).first<{ n: number }>();
    expect(n!.n).toBe(1);
    expect(await members(results[0].json.id)).toHaveLength(2);
  });

  it("refuses self, unknown users and bad bodies", async () => {
    const a = await registerUser("a");
    expectError(await direct(a, a), 400, "cannot_target_self");
    expectError(await direct(a, { id: 999_999_999 }), 404, "user_not_found");
    expectError(await api("POST", "/conversations/direct", { token: a.token, body: { user_id: "2" } }), 400, "invalid_request");
    expectError(await api("POST", "/conversations/direct", { token: a.token, body: {} }), 400, "invalid_request");
    expectError(await api("POST", "/conversations/direct", { body: { user_id: 1 } }), 401);
  });

  it("a block either way refuses with the same generic answer as the friends-only setting", async () => {
    const [a, b, c, d] = await Promise.all([registerUser("a"), registerUser("b"), registerUser("c"), registerUser("d")]);
    await blockUser(b, a); // b blocked a
    await blockUser(a, c); // a blocked c
    await env.DB.prepare("UPDATE users SET dm_policy = 'friends' WHERE id = ?").bind(d.id).run();
    const refusals = [await direct(a, b), await direct(b, a), await direct(a, c), await direct(c, a), await direct(a, d)];
    for (const r of refusals) expectError(r, 403, "cannot_message_user");
    expect(new Set(refusals.map((r) => r.json.detail)).size).toBe(1);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM rooms WHERE kind = 'direct' AND creator_id IN (?, ?, ?, ?)").bind(a.id, b.id, c.id, d.id).first<{ n: number }>();
    expect(n!.n).toBe(0);
  });

  it("friends-only users accept friends; an existing chat survives unfriending but not a block", async () => {
    const [a, d] = await Promise.all([registerUser("a"), registerUser("d")]);
    await env.DB.prepare("UPDATE users SET dm_policy = 'friends' WHERE id = ?").bind(d.id).run();
    expectError(await direct(a, d), 403, "cannot_message_user");
    await befriendRows(a, d);
    const ok = await direct(a, d);
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    await env.DB.prepare("DELETE FROM friendships WHERE user_id IN (?1, ?2) AND friend_id IN (?1, ?2)").bind(a.id, d.id).run();
    expect((await direct(a, d)).json.id).toBe(ok.json.id);
    await blockUser(d, a);
    expectError(await direct(a, d), 403, "cannot_message_user");
  });

  it("is readable like a room but cannot be listed, renamed, left, joined or moderated", async () => {
    const [a, b, outsider] = await Promise.all([registerUser("a"), registerUser("b"), registerUser("o")]);
    const dm = (await direct(a, b)).json;
    const list = await api("GET", "/chat-rooms/?current_user_only=true", { token: a.token });
    expect(list.json.map((r: any) => r.id)).not.toContain(dm.id);
    expect((await api("GET", `/chat-rooms/${dm.id}`, { token: b.token })).status).toBe(200);
    const mem = await api("GET", `/chat-rooms/${dm.id}/members`, { token: b.token });
    expect(mem.json.map((m: any) => m.member_id).sort()).toEqual([a.id, b.id].sort());
    expectError(await api("GET", `/chat-rooms/${dm.id}`, { token: outsider.token }), 403);

    const refused = [
      await api("PUT", `/chat-rooms/${dm.id}`, { token: a.token, body: { name: uniq("renamed") } }),
      await api("DELETE", `/chat-rooms/${dm.id}`, { token: a.token }),
      await api("POST", `/chat-rooms/${dm.id}/leave`, { token: b.token }),
      await api("DELETE", `/chat-rooms/${dm.id}/members/${b.id}`, { token: b.token }),
      await api("DELETE", `/chat-rooms/${dm.id}/members/${b.id}`, { token: a.token }),
      await api("POST", `/chat-rooms/${dm.id}/transfer-owner`, { token: a.token, body: { user_id: b.id } }),
      await api("POST", `/chat-rooms/${dm.id}/bans`, { token: a.token, body: { user_id: b.id } }),
      await api("GET", `/chat-rooms/${dm.id}/join-requests`, { token: a.token }),
    ];
    for (const r of refused) expectError(r, 400, "direct_conversation");
    // Outsiders do not learn more than "no such room".
    expectError(await api("POST", `/chat-rooms/${dm.id}/join-request`, { token: outsider.token, body: {} }), 404);
    expect(await members(dm.id)).toEqual([a.id, b.id].sort((x, y) => x - y).map((id) => ({ user_id: id, role: "member", status: "active" })));
    const room = await env.DB.prepare("SELECT name FROM rooms WHERE id = ?").bind(dm.id).first();
    expect(room).toMatchObject({ name: dm.name });
  });
});

describe("group conversations", () => {
  it("creates the room, the owner and the members in one go", async () => {
    const [owner, m1, m2] = await Promise.all([registerUser("own"), registerUser("m"), registerUser("m")]);
    const res = await group(owner, { member_ids: [m1.id, owner.id, m2.id], description: "weekend" });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ kind: "group", visibility: "private", require_approval: true, creator_id: owner.id, members_count: 3, my_role: "owner", description: "weekend" });
    expect(res.json.members.map((m: any) => [m.id, m.role])).toEqual([
      [owner.id, "owner"],
      [m1.id, "member"],
      [m2.id, "member"],
    ]);
    expect((await api("GET", `/chat-rooms/${res.json.id}`, { token: m2.token })).status).toBe(200);
    const alone = await group(owner, { member_ids: [] });
    expect(alone.json.members_count).toBe(1);
  });

  it("rejects duplicates, too many ids, unknown users, blocked users and taken names, creating nothing", async () => {
    const [owner, m1, blocker] = await Promise.all([registerUser("own"), registerUser("m"), registerUser("blk")]);
    await blockUser(blocker, owner);
    const names: string[] = [];
    const attempt = async (body: Record<string, unknown>) => {
      const name = uniq("grp");
      names.push(name);
      return group(owner, { name, ...body });
    };
    expectError(await attempt({ member_ids: [m1.id, m1.id] }), 400, "duplicate_member_ids");
    expectError(await attempt({ member_ids: Array.from({ length: 101 }, (_, i) => i + 1) }), 400, "invalid_request");
    expectError(await attempt({ member_ids: Array.from({ length: 1000 }, (_, i) => i + 1) }), 400, "invalid_request");
    const unknown = await attempt({ member_ids: [m1.id, 999_999_998, 999_999_999] });
    expectError(unknown, 404, "user_not_found");
    expect(unknown.json.detail).toContain("999999999");
    expectError(await attempt({ member_ids: [m1.id, blocker.id] }), 403, "cannot_add_user");
    expectError(await attempt({ member_ids: [0] }), 400, "invalid_request");
    expectError(await attempt({ member_ids: "1,2" }), 400, "invalid_request");
    expectError(await attempt({ name: "", member_ids: [] }), 400, "invalid_request");
    const placeholders = names.map(() => "?").join(",");
    const made = await env.DB.prepare(`SELECT count(*) AS n FROM rooms WHERE name IN (${placeholders})`).bind(...names).first<{ n: number }>();
    expect(made!.n).toBe(0);
    const m1Rooms = await env.DB.prepare("SELECT count(*) AS n FROM room_members WHERE user_id = ?").bind(m1.id).first<{ n: number }>();
    expect(m1Rooms!.n).toBe(0);

    const taken = await createRoom(owner);
    expectError(await group(owner, { name: taken.name.toUpperCase(), member_ids: [m1.id] }), 409, "room_name_taken");
    expect((await members(taken.id)).map((m) => m.user_id)).toEqual([owner.id]);
  });

  it("reuses the room routes: rename, transfer, owner cannot leave, dissolve", async () => {
    const [owner, m1, m2] = await Promise.all([registerUser("own"), registerUser("m"), registerUser("m")]);
    const g = (await group(owner, { member_ids: [m1.id, m2.id] })).json;
    const renamed = await api("PUT", `/chat-rooms/${g.id}`, { token: owner.token, body: { name: uniq("renamed") } });
    expect(renamed.status).toBe(200);
    expectError(await api("POST", `/chat-rooms/${g.id}/leave`, { token: owner.token }), 403, "owner_cannot_leave");
    expect((await api("POST", `/chat-rooms/${g.id}/transfer-owner`, { token: owner.token, body: { user_id: m1.id } })).status).toBe(200);
    expect((await api("POST", `/chat-rooms/${g.id}/leave`, { token: owner.token })).status).toBe(204);
    expectError(await api("DELETE", `/chat-rooms/${g.id}`, { token: m2.token }), 403);
    expect((await api("DELETE", `/chat-rooms/${g.id}`, { token: m1.token })).status).toBe(204);
    // A dissolved group is gone for every action.
    expectError(await api("GET", `/chat-rooms/${g.id}`, { token: m1.token }), 404);
    expectError(await api("POST", `/chat-rooms/${g.id}/invitations`, { token: m1.token, body: { user_id: owner.id } }), 404);
    expectError(await settings(m2, g.id, { hidden: true }), 404);
    expect((await inbox(m2)).json.map((c: any) => c.id)).not.toContain(g.id);
  });
});

describe("conversation settings", () => {
  it("mutes until a time, forever, and unmutes; hides; only for members", async () => {
    const [owner, outsider] = await Promise.all([registerUser("own"), registerUser("o")]);
    const room = await createRoom(owner);
    const later = await settings(owner, room.id, { muted_until: "2099-01-01T10:00:00+02:00" });
    expect(later.status, JSON.stringify(later.json)).toBe(200);
    expect(later.json).toEqual({ room_id: room.id, muted: true, muted_until: "2099-01-01T08:00:00.000Z", hidden: false, history_cleared_up_to: 0 });
    expect((await settings(owner, room.id, { muted_until: MUTE_FOREVER })).json).toMatchObject({ muted: true, muted_until: MUTE_FOREVER });
    expect((await settings(owner, room.id, { muted_until: "2000-01-01T00:00:00Z" })).json.muted).toBe(false);
    expect((await settings(owner, room.id, { muted_until: null, hidden: true })).json).toEqual({ room_id: room.id, muted: false, muted_until: null, hidden: true, history_cleared_up_to: 0 });
    expect((await settings(owner, room.id, {})).json.hidden).toBe(true);
    expect((await api("GET", `/chat-rooms/${room.id}/settings`, { token: owner.token })).json.hidden).toBe(true);
    for (const bad of [{ muted_until: "tomorrow" }, { hidden: "yes" }, { muted: true }]) expectError(await settings(owner, room.id, bad), 400, "invalid_request");
    expectError(await settings(outsider, room.id, { hidden: true }), 403, "not_a_member");
    expectError(await settings(owner, 999_999_999, { hidden: true }), 404);
  });

  it("clear-history hides everything so far from you alone: history, search, one message, replays; it counts as read", async () => {
    const [me, her, outsider] = await Promise.all([registerUser("clr"), registerUser("clr"), registerUser("o")]);
    const dm = (await api("POST", "/conversations/direct", { token: me.token, body: { user_id: her.id } })).json;
    const say = async (who: TestUser, text: string) => (await api("POST", `/chat-rooms/${dm.id}/messages`, { token: who.token, body: { content_text: text } })).json.id as number;
    const old1 = await say(her, "old secret one");
    const old2 = await say(me, "old secret two");
    const cleared = await api("POST", `/chat-rooms/${dm.id}/clear-history`, { token: me.token });
    expect(cleared.status, JSON.stringify(cleared.json)).toBe(200);
    expect(cleared.json).toMatchObject({ room_id: dm.id, history_cleared_up_to: old2 });
    const fresh = await say(her, "after the clear");

    const history = await api("GET", `/chat-rooms/${dm.id}/messages`, { token: me.token });
    expect(history.json.map((m: any) => m.id)).toEqual([fresh]);
    expect(history.headers.get("X-Oldest-Message-Id")).toBe(String(old2 + 1));
    const after0 = await api("GET", `/chat-rooms/${dm.id}/messages?after=0`, { token: me.token });
    expect(after0.json.map((m: any) => m.id)).toEqual([fresh]);
    expect(after0.headers.get("X-History-Gap")).toBeNull();
    expect((await api("GET", `/chat-rooms/${dm.id}/messages?before=${fresh}`, { token: me.token })).json).toEqual([]);
    expect((await api("GET", `/chat-rooms/${dm.id}/messages/search?q=secret`, { token: me.token })).json).toEqual([]);
    expectError(await api("GET", `/chat-rooms/${dm.id}/messages/${old1}`, { token: me.token }), 404, "message_not_found");
    // The other side keeps everything.
    expect((await api("GET", `/chat-rooms/${dm.id}/messages`, { token: her.token })).json.map((m: any) => m.id)).toEqual([old1, old2, fresh]);
    expect((await api("GET", `/chat-rooms/${dm.id}/messages/search?q=secret`, { token: her.token })).json).toHaveLength(2);

    // A socket resuming from before the clear replays only what came after it.
    const c = await connect(dm.id, me.token, "since=0");
    await c.next("replay_done");
    expect(c.of("chat_message").map((f) => f.message.id)).toEqual([fresh]);
    expect(c.of("gap")).toEqual([]);
    expect(c.frames[0]).toMatchObject({ type: "connection_established", oldest_message_id: old2 + 1 });
    c.close();

    // Cleared messages count as read; the one after is unread.
    await flushRoom(dm.id);
    const row = (await inbox(me)).json.find((x: any) => x.id === dm.id);
    expect(row.unread_count).toBe(1);
    expect((await api("GET", `/chat-rooms/${dm.id}/settings`, { token: me.token })).json.history_cleared_up_to).toBe(old2);
    expectError(await api("POST", `/chat-rooms/${dm.id}/clear-history`, { token: outsider.token }), 403, "not_a_member");
    expectError(await api("POST", `/chat-rooms/999999999/clear-history`, { token: me.token }), 404);
    expectError(await api("POST", `/chat-rooms/abc/clear-history`, { token: me.token }), 400, "invalid_request");
    expectError(await api("POST", `/chat-rooms/${dm.id}/clear-history`), 401);
  });
});

describe("GET /conversations/unread", () => {
  it("totals unread messages and conversations, muted ones apart, left and quietly hidden ones not at all", async () => {
    const [me, bob, carol] = await Promise.all([registerUser("me"), registerUser("bob"), registerUser("carol")]);
    const unread = async () => {
      const res = await api("GET", "/conversations/unread", { token: me.token });
      expect(res.status).toBe(200);
      return res.json;
    };
    expect(await unread()).toEqual({ unread_messages: 0, unread_conversations: 0, muted_unread_messages: 0 });
    const g1 = (await group(me, { member_ids: [bob.id] })).json;
    const dm = (await direct(bob, me)).json;
    const muted = (await group(carol, { member_ids: [me.id] })).json;
    const hidden = (await group(carol, { member_ids: [me.id] })).json;
    const left = (await group(carol, { member_ids: [me.id] })).json;
    for (let i = 0; i < 3; i++) await message(dm.id, bob, `dm ${i}`);
    await message(g1.id, bob, "g1 a");
    await message(g1.id, bob, "g1 b");
    await markRead(g1.id, me);
    await message(g1.id, bob, "g1 c");
    for (let i = 0; i < 4; i++) await message(muted.id, carol, `m ${i}`);
    await settings(me, muted.id, { muted_until: MUTE_FOREVER });
    await message(left.id, carol, "gone");
    await api("POST", `/chat-rooms/${left.id}/leave`, { token: me.token });
    await message(hidden.id, carol, "before hiding");
    await markRead(hidden.id, me);
    await settings(me, hidden.id, { hidden: true });
    expect(await unread()).toEqual({ unread_messages: 4, unread_conversations: 2, muted_unread_messages: 4 });
    // A message after hiding brings the conversation back, and into the badge.
    await message(hidden.id, carol, "after hiding");
    expect(await unread()).toEqual({ unread_messages: 5, unread_conversations: 3, muted_unread_messages: 4 });
    await markRead(dm.id, me);
    expect(await unread()).toEqual({ unread_messages: 2, unread_conversations: 2, muted_unread_messages: 4 });
  });

  it("401 without a token", async () => {
    expectError(await api("GET", "/conversations/unread"), 401);
  });
});

describe("inbox", () => {
  it("lists rooms and direct chats by last activity with unread counts, names and mute state", async () => {
    const [me, bob, carol] = await Promise.all([registerUser("me"), registerUser("bob", { display_name: "Bob B" }), registerUser("carol")]);
    await env.DB.prepare("UPDATE users SET avatar_url = 'https://img.test/bob.png' WHERE id = ?").bind(bob.id).run();
    const g1 = (await group(me, { member_ids: [bob.id] })).json;
    const dm = (await direct(bob, me)).json;
    const g2 = (await group(carol, { member_ids: [me.id] })).json;
    const left = (await group(carol, { member_ids: [me.id] })).json;
    await api("POST", `/chat-rooms/${left.id}/leave`, { token: me.token });

    await message(g2.id, carol, "first");
    await message(dm.id, bob, "hi");
    await message(dm.id, bob, "there");
    await message(g1.id, bob, "g1 a");
    await message(g1.id, me, "g1 b");
    await message(g1.id, bob, "g1 c");
    await message(dm.id, bob, "newest");
    await markRead(g1.id, me);
    await settings(me, g2.id, { muted_until: MUTE_FOREVER });

    const res = await inbox(me);
    expect(res.status).toBe(200);
    expect(res.json.map((c: any) => c.id)).toEqual([dm.id, g1.id, g2.id]);
    const [d, a, b] = res.json;
    expect(d).toMatchObject({
      kind: "direct",
      name: "Bob B",
      avatar_url: "https://img.test/bob.png",
      peer: { id: bob.id, username: bob.username, display_name: "Bob B", avatar_url: "https://img.test/bob.png", online: false },
      last_message: { sender: bob.username, content: "newest" },
      unread_count: 3,
      muted: false,
      muted_until: null,
      my_role: "member",
      members_count: 2,
    });
    expect(a).toMatchObject({ kind: "group", name: g1.name, peer: null, unread_count: 0, my_role: "owner", last_message: { content: "g1 c" } });
    expect(b).toMatchObject({ kind: "group", unread_count: 1, muted: true, muted_until: MUTE_FOREVER, my_role: "member" });
    expect(typeof d.cursor).toBe("string");
    expect([d.disabled, a.disabled, b.disabled]).toEqual([false, false, false]);
    // A block either way disables the direct chat, for both sides; unblocking enables it again.
    await blockUser(bob, me);
    expect((await inbox(me, "?kind=direct")).json[0].disabled).toBe(true);
    expect((await inbox(bob, "?kind=direct")).json[0].disabled).toBe(true);
    expect((await api("DELETE", `/users/${me.id}/block`, { token: bob.token })).status).toBe(204);
    expect((await inbox(me, "?kind=direct")).json[0].disabled).toBe(false);

    expect((await inbox(me, "?kind=direct")).json.map((c: any) => c.id)).toEqual([dm.id]);
    expect((await inbox(me, "?kind=group")).json.map((c: any) => c.id)).toEqual([g1.id, g2.id]);
    expect((await inbox(carol)).json.map((c: any) => c.id)).toEqual([g2.id, left.id]);

    // So does the other account's deletion.
    const eve = await registerUser("eve");
    const withEve = (await api("POST", "/conversations/direct", { token: eve.token, body: { user_id: me.id } })).json;
    await api("POST", `/chat-rooms/${withEve.id}/messages`, { token: eve.token, body: { content_text: "bye" } });
    expect((await api("DELETE", "/users/me", { token: eve.token, body: { password: "password123" } })).status).toBe(204);
    const gone = (await inbox(me, "?kind=direct")).json.find((c: any) => c.id === withEve.id);
    expect(gone).toMatchObject({ disabled: true, name: "Deleted user", peer: null });
    expectError(await api("POST", `/chat-rooms/${withEve.id}/messages`, { token: me.token, body: { content_text: "hello?" } }), 403, "cannot_message");
  });

  it("pages with an opaque cursor, ties broken by id", async () => {
    const u = await registerUser("pager");
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await group(u, { member_ids: [] })).json.id);
    const same = "2032-06-01T00:00:00.000Z";
    for (const id of ids.slice(0, 3)) await message(id, u, "tie", same);
    await message(ids[4], u, "latest", "2032-07-01T00:00:00.000Z");
    const expected = [ids[4], ids[2], ids[1], ids[0], ids[3]];

    const seen: number[] = [];
    let query = "?limit=2";
    for (let page = 0; page < 5; page++) {
      const res = await inbox(u, query);
      expect(res.status).toBe(200);
      seen.push(...res.json.map((c: any) => c.id));
      const next = res.headers.get("X-Next-Cursor");
      if (!next) break;
      expect(next).toBe(res.json[res.json.length - 1].cursor);
      query = `?limit=2&cursor=${encodeURIComponent(next)}`;
    }
    expect(seen).toEqual(expected);
    const all = await inbox(u, "?limit=5");
    expect(all.headers.get("X-Next-Cursor")).toBeNull();

    for (const bad of ["?cursor=garbage", "?cursor=%7B%7D", `?cursor=${btoa(JSON.stringify(["x", -1]))}`]) expectError(await inbox(u, bad), 400, "invalid_cursor");
    for (const bad of ["?limit=0", "?limit=101", "?limit=abc", "?kind=channel"]) expectError(await inbox(u, bad), 400, "invalid_request");
    expectError(await api("GET", "/conversations"), 401);
  });

  it("a hidden conversation comes back with a newer message and stays back after reading", async () => {
    const [me, bob] = await Promise.all([registerUser("me"), registerUser("bob")]);
    const dm = (await direct(me, bob)).json;
    await message(dm.id, bob, "old");
    await markRead(dm.id, me);
    expect((await settings(me, dm.id, { hidden: true })).json.hidden).toBe(true);
    expect((await inbox(me)).json.map((c: any) => c.id)).not.toContain(dm.id);
    // Hidden for me only.
    expect((await inbox(bob)).json.map((c: any) => c.id)).toContain(dm.id);

    await message(dm.id, bob, "new");
    const back = await inbox(me);
    expect(back.json.map((c: any) => c.id)).toContain(dm.id);
    await markRead(dm.id, me);
    expect((await inbox(me)).json.map((c: any) => c.id)).toContain(dm.id);

    // Re-opening a hidden chat through get-or-create shows it again at once.
    await settings(me, dm.id, { hidden: true });
    expect((await inbox(me)).json.map((c: any) => c.id)).not.toContain(dm.id);
    await direct(me, bob);
    expect((await inbox(me)).json.map((c: any) => c.id)).toContain(dm.id);
  });

  it("hides a chat even with unread messages; the peer's online state comes from the room's presence", async () => {
    const [me, bob] = await Promise.all([registerUser("me"), registerUser("bob")]);
    const dm = (await direct(me, bob)).json;
    await message(dm.id, bob, "unread one");
    await settings(me, dm.id, { hidden: true });
    expect((await inbox(me)).json.map((c: any) => c.id)).not.toContain(dm.id);
    expect((await inbox(bob)).json.find((c: any) => c.id === dm.id).peer.online).toBe(false);
    const sock = await connect(dm.id, me.token);
    await flushRoom(dm.id);
    expect((await inbox(bob)).json.find((c: any) => c.id === dm.id).peer).toMatchObject({ id: me.id, online: true });
    sock.close();
  });

  it("uses the same number of D1 statements for 1 or 30 conversations", async () => {
    const [few, many] = await Promise.all([registerUser("few"), registerUser("many")]);
    await group(few, { member_ids: [] });
    const partners = await Promise.all(Array.from({ length: 10 }, () => registerUser("p")));
    for (const p of partners) await direct(many, p);
    for (let i = 0; i < 20; i++) await group(many, { member_ids: [partners[i % 10].id] });

    const a = await countStatements(few);
    const b = await countStatements(many);
    expect(b.rows).toBe(30);
    expect(a.rows).toBe(1);
    expect(b.prepared).toBe(a.prepared);
    expect(b.roundTrips).toBe(a.roundTrips);
    expect(b.roundTrips).toBeLessThanOrEqual(2); // auth lookup, the page
  });
});

/** GET /conversations through the worker with a D1 binding that counts statements and round trips. */
async function countStatements(user: TestUser) {
  let prepared = 0;
  let roundTrips = 0;
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
        if (prop === "all" || prop === "first" || prop === "run" || prop === "raw")
          return (...args: unknown[]) => {
            roundTrips++;
            return (target as any)[prop](...args);
          };
        const v = (target as any)[prop];
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    real.set(proxy, stmt);
    return proxy;
  };
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare")
        return (q: string) => {
          prepared++;
          return wrap(target.prepare(q));
        };
      if (prop === "batch")
        return (stmts: D1PreparedStatement[]) => {
          roundTrips++;
          return target.batch(stmts.map((s) => real.get(s) ?? s));
        };
      const v = (target as any)[prop];
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}/conversations?limit=100`, { headers: { Authorization: `Bearer ${user.token}` } }), { ...env, DB }, ctx);
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(200);
  const rows = (await res.json()) as unknown[];
  return { prepared, roundTrips, rows: rows.length };
}

describe("direct chats have no owner", () => {
  it("the user who opened a direct chat cannot delete the other person's messages", async () => {
    const [me, bob] = await Promise.all([registerUser("me"), registerUser("bob")]);
    const dm = (await direct(me, bob)).json;
    const msg = await api("POST", `/chat-rooms/${dm.id}/messages`, { token: bob.token, body: { content_text: "mine" } });
    expectError(await api("DELETE", `/chat-rooms/${dm.id}/messages/${msg.json.id}`, { token: me.token }), 403, "not_your_message");
    expect((await api("DELETE", `/chat-rooms/${dm.id}/messages/${msg.json.id}`, { token: bob.token })).status).toBe(204);
  });
});
