// Admin broadcasts: an announcement posted as a `system` message into group rooms, delivered by
// its own Durable Object page by page (BROADCAST_PAGE_ROOMS is 2 here), exactly once per room.
import { env } from "cloudflare:workers";
import { createScheduledController, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { senderStub } from "../src/broadcasts/service";
import worker from "../src/index";
import { roomStub } from "../src/room/client";
import { api, createRoom, expectError, join, makeAdmin, registerUser, type TestUser } from "./helpers";
import { connect } from "./ws";

type Broadcast = { id: number; status: string; rooms_total: number; rooms_delivered: number; room_ids: number[] | null; target: string; content: string; client_id: string | null; finished_at: string | null };

const admin = async () => {
  const a = await registerUser("adm");
  await makeAdmin(a);
  return a;
};
const send = (who: TestUser, body: unknown) => api("POST", "/broadcasts", { token: who.token, body });
/** Runs the broadcast's delivery steps now (its alarm would run them anyway) until it is done. */
async function delivered(who: TestUser, id: number): Promise<Broadcast> {
  for (let step = 0; step < 50; step++) {
    await runDurableObjectAlarm(senderStub(env, id));
    const res = await api("GET", `/broadcasts/${id}`, { token: who.token });
    expect(res.status).toBe(200);
    if (res.json.status === "done") return res.json;
  }
  throw new Error(`broadcast ${id} not delivered`);
}
const systemMessages = async (who: TestUser, roomId: number) => {
  const res = await api("GET", `/chat-rooms/${roomId}/messages?limit=100`, { token: who.token });
  expect(res.status).toBe(200);
  return (res.json as { message_type: string; content_text: string }[]).filter((m) => m.message_type === "system");
};

describe("admin broadcasts", () => {
  it("posts a system message into each listed room, live to their sockets, once", async () => {
    const [boss, owner, member] = await Promise.all([admin(), registerUser("own"), registerUser("mem")]);
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => createRoom(owner, { require_approval: false })));
    await join(a, owner, member);
    const socket = await connect(a.id, member.token);

    const res = await send(boss, { content: "  Maintenance at 22:00 UTC  ", room_ids: [c.id, a.id, b.id], client_id: "maint-1" });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: "sending", target: "rooms", room_ids: [a.id, b.id, c.id], rooms_total: 3, rooms_delivered: 0, content: "Maintenance at 22:00 UTC" });
    const done = await delivered(boss, res.json.id);
    expect(done).toMatchObject({ status: "done", rooms_delivered: 3 });
    expect(done.finished_at).not.toBeNull();

    const live = await socket.next("chat_message", (f) => f.message.message_type === "system");
    expect(live.message).toMatchObject({ content_text: "Maintenance at 22:00 UTC", sender_id: boss.id, sender_name: boss.username });
    for (const room of [a, b, c]) expect((await systemMessages(owner, room.id)).map((m) => m.content_text)).toEqual(["Maintenance at 22:00 UTC"]);

    // A retry with the same client_id is the same broadcast: no second message anywhere.
    const again = await send(boss, { content: "Maintenance at 22:00 UTC", room_ids: [a.id, b.id, c.id], client_id: "maint-1" });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(res.json.id);
    await delivered(boss, res.json.id);
    for (const room of [a, b, c]) expect(await systemMessages(owner, room.id)).toHaveLength(1);
    expectError(await send(boss, { content: "Something else", room_ids: [a.id], client_id: "maint-1" }), 409, "client_id_conflict");

    // Delivery that stopped after the rooms had the message but before its progress was written
    // (a crash, an eviction) posts nothing twice when it runs again: each room answers from its log.
    await env.DB.prepare("UPDATE broadcasts SET cursor = 0, rooms_delivered = 0, status = 'sending', finished_at = NULL WHERE id = ?").bind(res.json.id).run();
    await senderStub(env, res.json.id).start(res.json.id);
    expect(await delivered(boss, res.json.id)).toMatchObject({ status: "done", rooms_delivered: 3 });
    for (const room of [a, b, c]) expect(await systemMessages(owner, room.id)).toHaveLength(1);
    expect(socket.of("chat_message").filter((f) => f.message.message_type === "system")).toHaveLength(1);
    // Two sends racing with one client_id make one broadcast: one is accepted, the other is its retry.
    const racing = await Promise.all([0, 1].map(() => send(boss, { content: "Race", room_ids: [a.id], client_id: "race-1" })));
    expect(racing.map((r) => r.status).sort()).toEqual([200, 202]);
    expect(racing[0].json.id).toBe(racing[1].json.id);
    await delivered(boss, racing[0].json.id);
    expect((await systemMessages(owner, a.id)).map((m) => m.content_text)).toEqual(["Maintenance at 22:00 UTC", "Race"]);
    socket.close();
  });

  it("all_rooms reaches every group room that existed, page by page, and skips direct chats and rooms deleted meanwhile", async () => {
    const [boss, owner, friend] = await Promise.all([admin(), registerUser("own"), registerUser("fr")]);
    const rooms = await Promise.all([0, 1, 2, 3, 4].map(() => createRoom(owner, { require_approval: false })));
    const dm = await api("POST", "/conversations/direct", { token: owner.token, body: { user_id: friend.id } });
    expect(dm.status).toBeLessThan(300);
    const groups = (await env.DB.prepare("SELECT count(*) AS n FROM rooms WHERE kind = 'group'").first<{ n: number }>())!.n;

    const res = await send(boss, { content: "Hello everyone", all_rooms: true });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ target: "all_rooms", room_ids: null, rooms_total: groups, client_id: null });
    // Deleted before delivery reaches it: not posted into (and not counted); created after: not a target.
    expect((await api("DELETE", `/chat-rooms/${rooms[4].id}`, { token: owner.token })).status).toBe(204);
    const later = await createRoom(owner);

    const done = await delivered(boss, res.json.id);
    expect(done.rooms_delivered).toBe(groups - 1);
    for (const room of rooms.slice(0, 4)) expect((await systemMessages(owner, room.id)).map((m) => m.content_text)).toEqual(["Hello everyone"]);
    expect(await systemMessages(owner, later.id)).toEqual([]);
    expect(await systemMessages(owner, dm.json.id)).toEqual([]);
    // The finished broadcast's object keeps nothing and has no alarm left.
    expect(await runDurableObjectAlarm(senderStub(env, res.json.id))).toBe(false);
  });

  it("a room that fails stops the cursor; the page is asked again, counted once; after 5 failures the room is skipped", async () => {
    const [boss, owner] = await Promise.all([admin(), registerUser("own")]);
    const a = await createRoom(owner);
    const b = await createRoom(owner);
    // Room a's log is unusable (its table renamed away), so every call into it throws.
    const breakRoom = (sqlText: string) =>
      runInDurableObject(roomStub(env, a.id), (_room, state) => {
        state.storage.sql.exec(sqlText);
      });
    await breakRoom("ALTER TABLE messages RENAME TO messages_away");
    const res = await send(boss, { content: "partial", room_ids: [a.id, b.id] });
    const id = res.json.id as number;
    const progress = async () => (await api("GET", `/broadcasts/${id}`, { token: boss.token })).json as Broadcast;
    for (let step = 1; step <= 4; step++) {
      expect(await runDurableObjectAlarm(senderStub(env, id))).toBe(true);
      // b, after a in the same page, has the message, but the cursor waits before a.
      expect(await progress()).toMatchObject({ status: "sending", rooms_delivered: 0 });
    }
    expect(await systemMessages(owner, b.id)).toHaveLength(1);
    const done = await delivered(boss, id);
    expect(done).toMatchObject({ status: "done", rooms_delivered: 1 });
    await breakRoom("ALTER TABLE messages_away RENAME TO messages");
    expect(await systemMessages(owner, a.id)).toEqual([]);
    expect(await systemMessages(owner, b.id)).toHaveLength(1);
  });

  it("a broadcast whose delivery never started (its object was unreachable) is picked up by the cron sweep", async () => {
    const [boss, owner] = await Promise.all([admin(), registerUser("own")]);
    const room = await createRoom(owner);
    const row = await env.DB.prepare("INSERT INTO broadcasts (sender_id, sender_name, content, room_ids, rooms_total) VALUES (?, ?, 'swept up', ?, 1) RETURNING id")
      .bind(boss.id, boss.username, JSON.stringify([room.id]))
      .first<{ id: number }>();
    const id = row!.id;
    expect(await runDurableObjectAlarm(senderStub(env, id))).toBe(false);
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env);
    expect(await runDurableObjectAlarm(senderStub(env, id))).toBe(true);
    expect(await delivered(boss, id)).toMatchObject({ status: "done", rooms_delivered: 1 });
    expect((await systemMessages(owner, room.id)).map((m) => m.content_text)).toEqual(["swept up"]);
  });

  it("lists broadcasts newest first and shows one; system admins only", async () => {
    const [boss, user] = await Promise.all([admin(), registerUser("usr")]);
    const room = await createRoom(user);
    const first = (await send(boss, { content: "one", room_ids: [room.id] })).json as Broadcast;
    const second = (await send(boss, { content: "two", room_ids: [room.id] })).json as Broadcast;
    const list = await api("GET", "/broadcasts?limit=2", { token: boss.token });
    expect(list.status).toBe(200);
    expect(list.json.map((b: Broadcast) => b.id)).toEqual([second.id, first.id]);
    expect((await api("GET", `/broadcasts?limit=1&offset=1`, { token: boss.token })).json.map((b: Broadcast) => b.id)).toEqual([first.id]);
    expect((await api("GET", `/broadcasts/${first.id}`, { token: boss.token })).json.content).toBe("one");
    expectError(await api("GET", "/broadcasts/999999999", { token: boss.token }), 404, "broadcast_not_found");
    expectError(await api("GET", "/broadcasts/abc", { token: boss.token }), 400, "invalid_request");
    expectError(await api("GET", "/broadcasts?limit=0", { token: boss.token }), 400, "invalid_request");
    for (const call of [() => send(user, { content: "x", all_rooms: true }), () => api("GET", "/broadcasts", { token: user.token }), () => api("GET", `/broadcasts/${first.id}`, { token: user.token })])
      expectError(await call(), 403, "forbidden");
    expectError(await api("GET", "/broadcasts"), 401);
    expectError(await api("POST", "/broadcasts", { body: { content: "x", all_rooms: true } }), 401);
    await delivered(boss, first.id);
    await delivered(boss, second.id);
  });

  it("400 for bad bodies, 404 for rooms that are not group rooms; nothing is sent", async () => {
    const [boss, owner, friend] = await Promise.all([admin(), registerUser("own"), registerUser("fr")]);
    const room = await createRoom(owner);
    const dm = (await api("POST", "/conversations/direct", { token: owner.token, body: { user_id: friend.id } })).json;
    const before = (await api("GET", "/broadcasts?limit=100", { token: boss.token })).json.length;
    for (const body of [
      {},
      { content: "x" },
      { content: "x", room_ids: [room.id], all_rooms: true },
      { content: "", room_ids: [room.id] },
      { content: "   ", all_rooms: true },
      { content: "x".repeat(5001), all_rooms: true },
      { content: "x", room_ids: [] },
      { content: "x", room_ids: [room.id, room.id] },
      { content: "x", room_ids: ["1"] },
      { content: "x", room_ids: Array.from({ length: 101 }, (_, i) => i + 1) },
      { content: "x", all_rooms: false },
      { content: "x", all_rooms: true, client_id: "bad id!" },
      { content: "x", all_rooms: true, extra: 1 },
    ])
      expectError(await send(boss, body), 400, "invalid_request");
    expectError(await send(boss, { content: "x", room_ids: [room.id, 999999999] }), 404, "room_not_found");
    expectError(await send(boss, { content: "x", room_ids: [dm.id] }), 404, "room_not_found");
    expect((await api("GET", "/broadcasts?limit=100", { token: boss.token })).json.length).toBe(before);
    expect(await systemMessages(owner, room.id)).toEqual([]);
  });
});
