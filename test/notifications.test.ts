// Notifications: mentions (written behind by the room), being added to a room (direct add, bulk
// add, an approved invitation), system notices; listing, counts, read, delete, preferences.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room/client";
import type { Room } from "../src/room/room";
import { api, flushRoom, createRoom, expectError, join, makeAdmin, registerUser, type TestUser } from "./helpers";

type Notice = { id: number; notification_type: string; title: string; content: string | null; room: { id: number; name: string } | null; message_id: number | null; actor: { id: number } | null; is_read: boolean };
const list = async (u: TestUser, qs = "") => {
  const res = await api("GET", `/notifications${qs}`, { token: u.token });
  expect(res.status).toBe(200);
  return res.json as Notice[];
};
const flush = async (roomId: number) => expect(await flushRoom(roomId)).toBe(true);
const say = async (u: TestUser, roomId: number, content_text: string) => {
  const res = await api("POST", `/chat-rooms/${roomId}/messages`, { token: u.token, body: { content_text } });
  expect(res.status).toBe(200);
  return res.json as { id: number };
};

describe("mentions", () => {
  it("an @mention notifies each mentioned member once, not the sender, outsiders or those who opted out", async () => {
    const [alice, bob, carol, dave, outsider] = await Promise.all(["al", "bo", "ca", "da", "ou"].map((p) => registerUser(p)));
    const room = await createRoom(alice, { require_approval: false });
    for (const u of [bob, carol, dave]) await join(room, alice, u);
    expect((await api("PUT", "/notifications/preferences", { token: dave.token, body: { mention: false } })).status).toBe(200);
    const m = await say(alice, room.id, `hi @${bob.username.toUpperCase()}, @${bob.username} and @${carol.username}. cc @${dave.username} @${outsider.username} @${alice.username} @nobody_here`);
    const gone = await say(alice, room.id, `@${carol.username} never mind`);
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${gone.id}`, { token: alice.token })).status).toBe(204);
    await say(alice, room.id, `mail me at bob@example.com`);
    await flush(room.id);

    const [b] = await list(bob);
    expect(await list(bob)).toHaveLength(1);
    expect(b).toMatchObject({
      notification_type: "mention",
      title: `${alice.username} mentioned you in ${room.name}`,
      room: { id: room.id, name: room.name },
      message_id: m.id,
      actor: { id: alice.id },
      is_read: false,
    });
    expect(b.content).toContain("hi @");
    // "@carol." at the end of a sentence is carol; the deleted message notifies nobody.
    expect((await list(carol)).map((n) => n.message_id)).toEqual([m.id]);
    for (const u of [dave, outsider, alice]) expect(await list(u)).toEqual([]);
  });
});

describe("mentions, continued", () => {
  it("follow their message: an edit updates the quote, a deletion removes them", async () => {
    const [alice, bob] = await Promise.all(["al", "bo"].map((p) => registerUser(p)));
    const room = await createRoom(alice, { require_approval: false });
    await join(room, alice, bob);
    const m = await say(alice, room.id, `draft for @${bob.username}`);
    await flush(room.id);
    expect((await list(bob)).map((n) => n.content)).toEqual([`draft for @${bob.username}`]);
    expect((await api("PATCH", `/chat-rooms/${room.id}/messages/${m.id}`, { token: alice.token, body: { content_text: `final for @${bob.username}` } })).status).toBe(200);
    expect((await list(bob)).map((n) => n.content)).toEqual([`final for @${bob.username}`]);
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${m.id}`, { token: alice.token })).status).toBe(204);
    expect(await list(bob)).toEqual([]);
  });

  it("a block in either direction stops mentions; a sender gone before the write leaves an unknown actor, not a stuck room", async () => {
    const [alice, bob, carol] = await Promise.all(["al", "bo", "ca"].map((p) => registerUser(p)));
    const room = await createRoom(alice, { require_approval: false });
    for (const u of [bob, carol]) await join(room, alice, u);
    expect((await api("POST", `/users/${carol.id}/block`, { token: bob.token })).status).toBe(200);
    await say(carol, room.id, `@${bob.username} hello?`);
    await flush(room.id);
    expect(await list(bob)).toEqual([]);
    // Carol mentions Alice, then deletes her account before the room writes its summary.
    await say(carol, room.id, `bye @${alice.username}`);
    expect((await api("DELETE", "/users/me", { token: carol.token, body: { password: "password123" } })).status).toBe(204);
    await flush(room.id);
    expect(await list(alice)).toMatchObject([{ notification_type: "mention", actor: null, content: `bye @${alice.username}` }]);
    // The summary went through with it: the room's last message is the one carol sent.
    const summary = await env.DB.prepare("SELECT last_message_content FROM rooms WHERE id = ?").bind(room.id).first<{ last_message_content: string }>();
    expect(summary?.last_message_content).toBe(`bye @${alice.username}`);
  });

  it("approving an invitation twice tells the new member once", async () => {
    const [owner, admin, member, invited] = await Promise.all(["ow", "ad", "me", "in"].map((p) => registerUser(p)));
    const room = await createRoom(owner, { require_approval: false });
    for (const u of [admin, member]) await join(room, owner, u);
    await api("PUT", `/chat-rooms/${room.id}/members/${admin.id}/set-role`, { token: owner.token, body: { role: "admin" } });
    const pending = await api("POST", `/chat-rooms/${room.id}/invitations`, { token: member.token, body: { user_id: invited.id } });
    const results = await Promise.all(
      [owner, admin].map((u) => api("POST", `/chat-rooms/invitations/${pending.json.id}/process`, { token: u.token, body: { status: "approved" } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(await list(invited)).toHaveLength(1);
  });
});

describe("the room's summary write", () => {
  it("written again after its reply was lost, adds no mention and no message to the day's count", async () => {
    const [alice, bob] = await Promise.all(["al", "bo"].map((p) => registerUser(p)));
    const room = await createRoom(alice, { require_approval: false });
    await join(room, alice, bob);
    const today = async () => (await api("GET", "/stats", { token: alice.token })).json.total_messages_today as number;
    const before = await today();
    await say(alice, room.id, `one for @${bob.username}`);
    await say(alice, room.id, "two");
    await flush(room.id);
    expect(await today()).toBe(before + 2);
    // The batch landed but the room never heard back: it still holds both messages as unwritten.
    await runInDurableObject(roomStub(env, room.id), async (_room: Room, state) => {
      state.storage.sql.exec("UPDATE meta SET value = '0' WHERE key = 'flushed_id'");
      state.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('summary_due', ?)", String(Date.now()));
      await state.storage.setAlarm(Date.now());
    });
    await flush(room.id);
    expect((await list(bob)).map((n) => n.content)).toEqual([`one for @${bob.username}`]);
    expect(await today()).toBe(before + 2);
    // Later messages still count and notify.
    await say(alice, room.id, `three for @${bob.username}`);
    await flush(room.id);
    expect(await list(bob)).toHaveLength(2);
    expect(await today()).toBe(before + 3);
  });
});

describe("added to a room", () => {
  it("a direct add, a bulk add and an approved invitation each tell the new member who added them", async () => {
    const [owner, member, direct, bulk1, bulk2, invited] = await Promise.all(["ow", "me", "di", "b1", "b2", "in"].map((p) => registerUser(p)));
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, member);
    expect((await api("POST", `/chat-rooms/${room.id}/invitations`, { token: owner.token, body: { user_id: direct.id } })).status).toBe(200);
    expect((await api("POST", `/chat-rooms/${room.id}/members`, { token: owner.token, body: { user_ids: [bulk1.id, bulk2.id] } })).status).toBe(200);
    const pending = await api("POST", `/chat-rooms/${room.id}/invitations`, { token: member.token, body: { user_id: invited.id } });
    expect(await list(invited)).toEqual([]);
    expect((await api("POST", `/chat-rooms/invitations/${pending.json.id}/process`, { token: owner.token, body: { status: "approved" } })).status).toBe(200);
    for (const u of [direct, bulk1, bulk2])
      expect(await list(u)).toMatchObject([{ notification_type: "room_invite", title: `${owner.username} added you to ${room.name}`, room: { id: room.id }, actor: { id: owner.id } }]);
    expect(await list(invited)).toMatchObject([{ notification_type: "room_invite", title: `${member.username} added you to ${room.name}`, actor: { id: member.id } }]);
  });

  it("a refused addition leaves no notification, and room_invite can be turned off", async () => {
    const [owner, quiet, banned] = await Promise.all(["ow", "qu", "ba"].map((p) => registerUser(p)));
    const room = await createRoom(owner, { require_approval: false });
    expect((await api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: { user_id: banned.id } })).status).toBe(200);
    expectError(await api("POST", `/chat-rooms/${room.id}/members`, { token: owner.token, body: { user_ids: [quiet.id, banned.id] } }), 403, "banned");
    expect(await list(quiet)).toEqual([]);
    expect((await api("PUT", "/notifications/preferences", { token: quiet.token, body: { room_invite: false } })).json).toEqual({ mention: true, room_invite: false, system: true });
    expect((await api("POST", `/chat-rooms/${room.id}/members`, { token: owner.token, body: { user_ids: [quiet.id] } })).status).toBe(200);
    expect(await list(quiet)).toEqual([]);
  });
});

describe("system notices and managing notifications", () => {
  it("system admins send notices to users or everyone; others get 403; bad bodies 400", async () => {
    const [admin, a, b, optedOut, plain] = await Promise.all(["ad", "a", "b", "op", "pl"].map((p) => registerUser(p)));
    await makeAdmin(admin);
    expect((await api("PUT", "/notifications/preferences", { token: optedOut.token, body: { system: false } })).status).toBe(200);
    const sent = await api("POST", "/notifications/send", { token: admin.token, body: { title: "Maintenance", content: "Tonight 02:00 UTC", user_ids: [a.id, optedOut.id] } });
    expect(sent.json).toEqual({ sent: 1 });
    expect(await list(a)).toMatchObject([{ notification_type: "system", title: "Maintenance", content: "Tonight 02:00 UTC", room: null, actor: { id: admin.id } }]);
    expect(await list(optedOut)).toEqual([]);
    const all = await api("POST", "/notifications/send", { token: admin.token, body: { title: "Hello everyone", all: true } });
    expect(all.json.sent).toBeGreaterThanOrEqual(4);
    expect((await list(b)).map((n) => n.title)).toEqual(["Hello everyone"]);
    expect(await list(optedOut)).toEqual([]);
    expectError(await api("POST", "/notifications/send", { token: plain.token, body: { title: "x", all: true } }), 403);
    for (const body of [{ title: "x" }, { title: "x", all: true, user_ids: [1] }, { title: "", all: true }, { title: "x", all: false }, { title: "x", user_ids: [] }])
      expectError(await api("POST", "/notifications/send", { token: admin.token, body }), 400, "invalid_request");
  });

  it("lists newest first with filters and paging, counts unread, marks read and deletes only your own", async () => {
    const [admin, u, other] = await Promise.all(["ad", "u", "ot"].map((p) => registerUser(p)));
    await makeAdmin(admin);
    for (let i = 1; i <= 4; i++) await api("POST", "/notifications/send", { token: admin.token, body: { title: `n${i}`, user_ids: [u.id] } });
    const room = await createRoom(admin, { require_approval: false });
    expect((await api("POST", `/chat-rooms/${room.id}/members`, { token: admin.token, body: { user_ids: [u.id] } })).status).toBe(200);

    const all = await list(u);
    expect(all.map((n) => n.title)).toEqual([`${admin.username} added you to ${room.name}`, "n4", "n3", "n2", "n1"]);
    expect((await list(u, "?type=system&limit=2")).map((n) => n.title)).toEqual(["n4", "n3"]);
    expect((await list(u, `?type=system&limit=2&before=${all[2].id}`)).map((n) => n.title)).toEqual(["n2", "n1"]);
    expect((await api("GET", "/notifications/stats", { token: u.token })).json).toEqual({ unread: 5, unread_by_type: { mention: 0, room_invite: 1, system: 4, thread_reply: 0 } });

    const one = await api("POST", `/notifications/${all[1].id}/read`, { token: u.token });
    expect(one.json).toMatchObject({ id: all[1].id, is_read: true });
    expectError(await api("POST", `/notifications/${all[1].id}/read`, { token: other.token }), 404, "notification_not_found");
    expect((await list(u, "?unread_only=true")).map((n) => n.title)).not.toContain("n4");
    expect((await api("POST", "/notifications/read", { token: u.token, body: { ids: [all[2].id, all[3].id] } })).json).toEqual({ updated: 2 });
    expect((await api("POST", "/notifications/read", { token: other.token, body: { ids: [all[4].id] } })).json).toEqual({ updated: 0 });
    // Mark-all must be asked for: a body that is not JSON marks nothing.
    const plain = await api("POST", "/notifications/read", { token: u.token, raw: JSON.stringify({ ids: [all[0].id] }), headers: { "Content-Type": "text/plain" } });
    expect(plain.status).toBeGreaterThanOrEqual(400);
    expect(plain.status).toBeLessThan(500);
    expect((await api("GET", "/notifications/stats", { token: u.token })).json.unread).toBe(2);
    expect((await api("POST", "/notifications/read", { token: u.token, body: { all: true } })).json).toEqual({ updated: 2 });
    expect((await api("GET", "/notifications/stats", { token: u.token })).json.unread).toBe(0);

    expectError(await api("DELETE", `/notifications/${all[0].id}`, { token: other.token }), 404, "notification_not_found");
    expect((await api("DELETE", `/notifications/${all[0].id}`, { token: u.token })).status).toBe(204);
    expect(await list(u)).toHaveLength(4);
  });

  it("PATCH marks one read or unread; batch-action marks many read or unread or deletes them, by ids (hundreds at once) or all", async () => {
    const [admin, u, other] = await Promise.all([registerUser("ad"), registerUser("bt"), registerUser("ot")]);
    await makeAdmin(admin);
    for (const who of [u, other]) for (let i = 0; i < 3; i++) await api("POST", "/notifications/send", { token: admin.token, body: { title: `b${i}`, user_ids: [who.id] } });
    const mineIds = (await list(u)).map((n) => n.id);
    const theirs = (await list(other)).map((n) => n.id);
    const stats = async (who: TestUser) => (await api("GET", "/notifications/stats", { token: who.token })).json.unread;

    expect((await api("PATCH", `/notifications/${mineIds[0]}`, { token: u.token, body: { is_read: true } })).json).toMatchObject({ id: mineIds[0], is_read: true });
    expect((await api("PATCH", `/notifications/${mineIds[0]}`, { token: u.token, body: { is_read: false } })).json.is_read).toBe(false);
    expectError(await api("PATCH", `/notifications/${theirs[0]}`, { token: u.token, body: { is_read: true } }), 404, "notification_not_found");
    for (const body of [{}, { is_read: "yes" }, { is_read: true, title: "x" }])
      expectError(await api("PATCH", `/notifications/${mineIds[0]}`, { token: u.token, body }), 400, "invalid_request");

    // Hundreds of ids in one call (one JSON parameter, not one per id); someone else's are ignored.
    const many = [...mineIds, ...theirs, ...Array.from({ length: 300 }, (_, i) => 900_000_000 + i)];
    const batch = (body: unknown) => api("POST", "/notifications/batch-action", { token: u.token, body });
    expect((await batch({ action: "read", ids: many })).json).toEqual({ affected: 3 });
    expect(await stats(u)).toBe(0);
    expect(await stats(other)).toBe(3);
    expect((await batch({ action: "unread", ids: [mineIds[1]] })).json).toEqual({ affected: 1 });
    expect((await batch({ action: "read", all: true })).json).toEqual({ affected: 1 });
    expect((await api("POST", "/notifications/read", { token: u.token, body: { ids: many } })).json).toEqual({ updated: 0 });
    expect((await batch({ action: "unread", all: true })).json).toEqual({ affected: 3 });
    expect((await batch({ action: "delete", ids: [mineIds[0], theirs[0]] })).json).toEqual({ affected: 1 });
    expect((await batch({ action: "delete", all: true })).json).toEqual({ affected: 2 });
    expect(await list(u)).toEqual([]);
    expect(await list(other)).toHaveLength(3);
    for (const body of [{ action: "read" }, { action: "archive", all: true }, { action: "delete", ids: [] }, { action: "read", ids: [1], all: true }, { ids: [1] }])
      expectError(await batch(body), 400, "invalid_request");
    expectError(await api("POST", "/notifications/batch-action", { body: { action: "read", all: true } }), 401);
  });

  it("preferences read back; bad values and bad queries get 400; no token 401", async () => {
    const u = await registerUser("pr");
    expect((await api("GET", "/notifications/preferences", { token: u.token })).json).toEqual({ mention: true, room_invite: true, system: true });
    for (const body of [{ mention: "no" }, { sms: true }])
      expectError(await api("PUT", "/notifications/preferences", { token: u.token, body }), 400, "invalid_request");
    for (const qs of ["?type=message", "?limit=0", "?limit=101", "?before=0", "?unread_only=maybe"])
      expectError(await api("GET", `/notifications${qs}`, { token: u.token }), 400, "invalid_request");
    for (const body of [{ ids: [] }, {}, { ids: [1], all: true }, { all: false }])
      expectError(await api("POST", "/notifications/read", { token: u.token, body }), 400, "invalid_request");
    expectError(await api("POST", "/notifications/abc/read", { token: u.token }), 400, "invalid_request");
    expectError(await api("GET", "/notifications"), 401);
  });
});

describe("notification templates", () => {
  it("system admins create, list, change and delete templates, and send notices from them with params", async () => {
    const [admin, u, plain] = await Promise.all([registerUser("ta"), registerUser("tu"), registerUser("tp")]);
    await makeAdmin(admin);
    const name = `maint-${u.id}`;
    const created = await api("POST", "/notifications/templates", {
      token: admin.token,
      body: { name, title: "Maintenance on {{day}}", content: "Down from {{from}} to {{ to }} on {{day}}." },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json).toMatchObject({ name, params: ["day", "from", "to"], created_by_id: admin.id });
    expectError(await api("POST", "/notifications/templates", { token: admin.token, body: { name, title: "again" } }), 409, "template_name_taken");
    expect((await api("GET", "/notifications/templates", { token: admin.token })).json.map((t: any) => t.id)).toContain(created.json.id);
    expect((await api("GET", `/notifications/templates/${created.json.id}`, { token: admin.token })).json.title).toBe("Maintenance on {{day}}");

    const send = (body: Record<string, unknown>) => api("POST", "/notifications/send", { token: admin.token, body: { user_ids: [u.id], ...body } });
    expectError(await send({ template_id: created.json.id, params: { day: "Sunday" } }), 400, "missing_template_params");
    const sent = await send({ template_id: created.json.id, params: { day: "Sunday", from: "02:00", to: "04:00" } });
    expect(sent.json).toEqual({ sent: 1 });
    expect((await list(u))[0]).toMatchObject({ notification_type: "system", title: "Maintenance on Sunday", content: "Down from 02:00 to 04:00 on Sunday." });

    const changed = await api("PATCH", `/notifications/templates/${created.json.id}`, { token: admin.token, body: { content: null } });
    expect(changed.json).toMatchObject({ content: null, params: ["day"] });
    expectError(await send({ template_id: 999_999_999 }), 404, "template_not_found");
    for (const body of [{ template_id: created.json.id, title: "both" }, {}, { template_id: created.json.id, content: "extra" }, { template_id: created.json.id, params: { "Bad Key": "x" } }])
      expectError(await send(body), 400, "invalid_request");
    expect((await api("DELETE", `/notifications/templates/${created.json.id}`, { token: admin.token })).status).toBe(204);
    expectError(await api("DELETE", `/notifications/templates/${created.json.id}`, { token: admin.token }), 404, "template_not_found");
    // Notices already sent stay.
    expect((await list(u))[0].title).toBe("Maintenance on Sunday");

    expectError(await api("GET", "/notifications/templates", { token: plain.token }), 403);
    expectError(await api("POST", "/notifications/templates", { token: plain.token, body: { name: "x", title: "y" } }), 403);
    for (const body of [{ name: "Bad Name", title: "t" }, { name: "ok" }, { name: "ok", title: "" }, { name: "ok", title: "t", extra: 1 }])
      expectError(await api("POST", "/notifications/templates", { token: admin.token, body }), 400, "invalid_request");
    expectError(await api("GET", "/notifications/templates/abc", { token: admin.token }), 400, "invalid_request");
    expectError(await api("GET", "/notifications/templates"), 401);
  });
});
