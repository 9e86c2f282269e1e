// The per-user socket (/realtime/ws): notifications pushed live from every producer (mentions,
// room invites, system notices), resume with ?since=, hibernation, token revocation, bad frames.
import { env, exports } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hubStub } from "../src/realtime/push";
import { api, BASE, createRoom, expectError, flushRoom, join, makeAdmin, registerUser, type TestUser } from "./helpers";
import { Client } from "./ws";

async function hubUpgrade(token: string | null, query = "", path = `${BASE}/realtime/ws`) {
  const qs = new URLSearchParams(query);
  if (token) qs.set("token", token);
  return exports.default.fetch(`${path}?${qs}`, { headers: { Upgrade: "websocket" } });
}

async function hub(user: TestUser, query = "", path?: string) {
  const res = await hubUpgrade(user.token, query, path);
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  const c = new Client(res.webSocket);
  await c.next("connection_established");
  return c;
}

const online = async (u: TestUser) => (await env.DB.prepare("SELECT realtime_online AS o FROM users WHERE id = ?").bind(u.id).first<{ o: number }>())!.o;

describe("/realtime/ws", () => {
  it("upgrades only with a valid token; plain HTTP otherwise; the alias /realtime/ws works too", async () => {
    const u = await registerUser("hub");
    expect((await hubUpgrade(null)).status).toBe(401);
    expect((await hubUpgrade("garbage")).status).toBe(401);
    for (const since of ["-1", "x", "1.5", "0x10"]) expect((await hubUpgrade(u.token, `since=${since}`)).status, since).toBe(400);
    const ahead = await hubUpgrade(u.token, "since=999999999");
    expect(ahead.status).toBe(400);
    expect(await ahead.json()).toMatchObject({ code: "invalid_since" });
    expectError(await api("GET", "/realtime/ws", { token: u.token }), 426, "upgrade_required");
    const c = await hub(u);
    expect(c.frames[0]).toEqual({ type: "connection_established", user: { id: u.id, username: u.username }, last_notification_id: 0 });
    const alias = await hub(u, "", "http://edge.test/realtime/ws");
    expect(await online(u)).toBe(1);
    c.close();
    alias.close();
    await c.waitClosed();
    await alias.waitClosed();
    await expect.poll(() => online(u)).toBe(0);
  });

  it("pushes mentions, room invites and system notices to every tab, as GET /notifications shows them", async () => {
    const [owner, me, admin] = await Promise.all([registerUser("own"), registerUser("me"), registerUser("adm")]);
    await makeAdmin(admin);
    const [tab1, tab2] = [await hub(me), await hub(me)];

    const room = await createRoom(owner, { require_approval: false });
    expect((await api("POST", `/chat-rooms/${room.id}/members`, { token: owner.token, body: { user_ids: [me.id] } })).status).toBe(200);
    const invite = await tab1.next("notification", (f) => f.notification.notification_type === "room_invite");
    expect(invite.notification).toMatchObject({ title: `${owner.username} added you to ${room.name}`, room: { id: room.id }, actor: { id: owner.id }, is_read: false });

    await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: `hey @${me.username} look` } });
    await flushRoom(room.id);
    const mention = await tab1.next("notification", (f) => f.notification.notification_type === "mention");
    expect(mention.notification).toMatchObject({ content: `hey @${me.username} look`, room: { id: room.id }, actor: { id: owner.id } });

    expect((await api("POST", "/notifications/send", { token: admin.token, body: { title: "maintenance tonight", user_ids: [me.id] } })).status).toBe(200);
    const notice = await tab1.next("notification", (f) => f.notification.notification_type === "system");
    expect(notice.notification.title).toBe("maintenance tonight");

    // The second tab got the same, in the same order, each once; and it is what the REST list says.
    await tab2.next("notification", (f) => f.notification.notification_type === "system");
    const ids = (c: Client) => c.of("notification").map((f) => f.notification.id);
    expect(ids(tab2)).toEqual(ids(tab1));
    expect(new Set(ids(tab1)).size).toBe(3);
    const listed = (await api("GET", "/notifications", { token: me.token })).json;
    expect([...listed].reverse()).toEqual(tab1.of("notification").map((f) => f.notification));

    // Invitations too: a moderator's (added at once) and an approved one.
    const other = await createRoom(owner, { require_approval: false });
    expect((await api("POST", `/chat-rooms/${other.id}/invitations`, { token: owner.token, body: { user_id: me.id } })).status).toBe(200);
    expect((await tab1.next("notification", (f) => f.notification.room?.id === other.id)).notification.notification_type).toBe("room_invite");
    const third = await createRoom(owner, { require_approval: false });
    const member = await registerUser("mem");
    await join(third, owner, member);
    const pending = await api("POST", `/chat-rooms/${third.id}/invitations`, { token: member.token, body: { user_id: me.id } });
    expect(pending.json.status).toBe("pending");
    expect((await api("POST", `/chat-rooms/invitations/${pending.json.id}/process`, { token: owner.token, body: { status: "approved" } })).status).toBe(200);
    expect((await tab1.next("notification", (f) => f.notification.room?.id === third.id)).notification.actor.id).toBe(member.id);

    // `all: true` reaches everyone with a socket open.
    expect((await api("POST", "/notifications/send", { token: admin.token, body: { title: "to everyone", all: true } })).status).toBe(200);
    expect((await tab2.next("notification", (f) => f.notification.title === "to everyone")).notification.notification_type).toBe("system");
    tab1.close();
    tab2.close();
  });

  it("?since= replays what a tab missed, in order, then goes live; eviction loses nothing", async () => {
    const [admin, me] = await Promise.all([registerUser("adm"), registerUser("me")]);
    await makeAdmin(admin);
    const notice = (title: string) => api("POST", "/notifications/send", { token: admin.token, body: { title, user_ids: [me.id] } });
    const first = await hub(me);
    await notice("one");
    const one = (await first.next("notification")).notification.id as number;
    first.close();
    await first.waitClosed();
    await notice("two");
    await notice("three");

    const back = await hub(me, `since=${one}`);
    await back.next("replay_done");
    expect(back.of("notification").map((f) => f.notification.title)).toEqual(["two", "three"]);
    expect(back.frames.at(-1)).toMatchObject({ type: "replay_done", last_notification_id: back.frames[0].last_notification_id });

    await evictDurableObject(hubStub(env, me.id));
    await notice("four");
    expect((await back.next("notification", (f) => f.notification.title === "four")).notification.id).toBeGreaterThan(one);
    expect(back.of("notification").map((f) => f.notification.title)).toEqual(["two", "three", "four"]);
    back.close();
  });

  it("a resume stays valid after notifications are deleted (the mark never goes down)", async () => {
    const [admin, me] = await Promise.all([registerUser("adm"), registerUser("me")]);
    await makeAdmin(admin);
    const c = await hub(me);
    await api("POST", "/notifications/send", { token: admin.token, body: { title: "soon gone", user_ids: [me.id] } });
    const seen = (await c.next("notification")).notification.id as number;
    c.close();
    await c.waitClosed();
    expect((await api("DELETE", `/notifications/${seen}`, { token: me.token })).status).toBe(204);
    const back = await hub(me, `since=${seen}`);
    await back.next("replay_done");
    expect(back.frames[0].last_notification_id).toBe(seen);
    back.close();
  });

  it("a long absence replays the newest 200 after a gap frame", async () => {
    const [admin, me] = await Promise.all([registerUser("adm"), registerUser("me")]);
    await makeAdmin(admin);
    const stmt = env.DB.prepare("INSERT INTO notifications (user_id, type, title) VALUES (?, 'system', ?)");
    await env.DB.batch(Array.from({ length: 250 }, (_, i) => stmt.bind(me.id, `n${i}`)));
    const c = await hub(me, "since=0");
    await c.next("replay_done");
    const gap = c.of("gap")[0];
    expect(gap).toMatchObject({ kind: "truncated", from_id: 1 });
    const titles = c.of("notification").map((f) => f.notification.title);
    expect(titles).toHaveLength(200);
    expect(titles[0]).toBe("n50");
    expect(titles.at(-1)).toBe("n249");
    expect(gap.to_id).toBe(c.of("notification")[0].notification.id - 1);
    c.close();
  });

  it("answers pings, refuses other frames without closing, and closes with 4001 when the password changes", async () => {
    const me = await registerUser("me");
    const c = await hub(me);
    c.send({ type: "ping" });
    await c.next("pong");
    for (const bad of ["not json", JSON.stringify({ type: "chat_message", content: "x" }), JSON.stringify([1])]) {
      const from = c.frames.length;
      c.send(bad);
      expect((await c.next("error", () => true, from)).code).toBe("invalid_frame");
    }
    expect(c.closed).toBeNull();
    const changed = await api("POST", "/users/me/password", { token: me.token, body: { old_password: "password123", new_password: "changed-pass-1" } });
    expect(changed.status).toBe(200);
    expect((await c.waitClosed()).code).toBe(4001);
    expect((await hubUpgrade(me.token)).status).toBe(401);
    const again = await hub({ ...me, token: changed.json.access_token });
    // Deleting the account closes it with 4003.
    expect((await api("DELETE", "/users/me", { token: changed.json.access_token, body: { password: "changed-pass-1" } })).status).toBe(204);
    expect((await again.waitClosed()).code).toBe(4003);
  });

  it("pokes only reach users with a socket open, and a stale open flag is corrected by the next poke", async () => {
    const [admin, me] = await Promise.all([registerUser("adm"), registerUser("me")]);
    await makeAdmin(admin);
    await env.DB.prepare("UPDATE users SET realtime_online = 1 WHERE id = ?").bind(me.id).run();
    expect((await api("POST", "/notifications/send", { token: admin.token, body: { title: "nobody listens", user_ids: [me.id] } })).status).toBe(200);
    await expect.poll(() => online(me)).toBe(0);
    // What was sent meanwhile is still in the list; a later socket starts after it.
    const c = await hub(me);
    expect(c.frames[0].last_notification_id).toBeGreaterThan(0);
    c.close();
  });
});
