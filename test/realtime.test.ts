// The room Durable Object over WebSockets: admission, fan-out, ordering, exactly-once, resume,
// typing, presence, hibernation, kicks and room deletion.
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room/client";
import { ADMISSION_HEADER, type Room } from "../src/room/room";
import { api, createRoom, expectError, join, registerUser, roomWith, type TestUser } from "./helpers";
import { connect, upgrade, type Client } from "./ws";


/** Appends `n` messages straight into the room's log, as if sent long ago. */
const seedMessages = (roomId: number, n: number) =>
  runInDurableObject(roomStub(env, roomId), (_i: Room, state) => {
    state.storage.sql.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})
      INSERT INTO messages (sender_id, sender_name, content_text, message_type, sent_at)
      SELECT 1, 'bulk', 'bulk ' || i, 'text', '2026-01-01T00:00:00.000Z' FROM n`);
  });

const texts = (c: Client) => c.of("chat_message").map((f) => f.message.content_text);

describe("admission", () => {
  it("upgrades only authenticated active members; everything else is plain HTTP", async () => {
    const { room, owner } = await roomWith(1);
    const outsider = await registerUser("out");
    const noToken = await upgrade(room.id, null);
    expect(noToken.status).toBe(401);
    expect(noToken.webSocket).toBeNull();
    expect((await upgrade(room.id, "garbage")).status).toBe(401);
    expect((await upgrade(room.id, outsider.token)).status).toBe(403);
    expect((await upgrade(999999, owner.token)).status).toBe(404);
    expect((await upgrade(room.id, owner.token, "since=-1")).status).toBe(400);
    expect((await upgrade(room.id, owner.token, "since=abc")).status).toBe(400);
    for (const since of ["", "0x10", "1e3", "1.5", "99999999999999999"]) {
      const res = await upgrade(room.id, owner.token, `since=${since}`);
      expect(res.status, `since=${since}`).toBe(400);
      expect(res.webSocket).toBeNull();
    }
    // Past the room's newest message (it has none yet): refused, not an empty replay.
    const ahead = await upgrade(room.id, owner.token, "since=5");
    expect(ahead.status).toBe(400);
    expect(ahead.webSocket).toBeNull();
    expect(await ahead.json()).toMatchObject({ code: "invalid_since" });
    const fine = await upgrade(room.id, owner.token, "since=0");
    expect(fine.status).toBe(101);
    fine.webSocket!.accept();
    fine.webSocket!.close(1000);
    const plain = await api("GET", `/chat-rooms/${room.id}/ws`, { token: owner.token });
    expectError(plain, 426, "upgrade_required");
  });

  it("greets with connection_established", async () => {
    const { room, owner } = await roomWith(1);
    const c = await connect(room.id, owner.token);
    const hello = c.frames[0];
    expect(hello).toMatchObject({ type: "connection_established", room_id: room.id, last_message_id: 0 });
    expect(hello.user).toEqual({ id: owner.id, username: owner.username });
    expect(hello.online).toEqual([{ id: owner.id, username: owner.username }]);
    c.close();
  });
});

describe("messaging", () => {
  it("fans a socket message out to every socket, sender included, and stores it", async () => {
    const { room, members } = await roomWith(3);
    const clients = await Promise.all(members.map((m) => connect(room.id, m.token)));
    clients[0].send({ type: "chat_message", content: "hello all", client_id: "c-1" });
    for (const c of clients) {
      const f = await c.next("chat_message");
      expect(f.message).toMatchObject({ id: 1, room_id: room.id, sender_id: members[0].id, content_text: "hello all", client_id: "c-1", message_type: "text", deleted: false });
    }
    const history = await api("GET", `/chatrooms/${room.id}/messages/`, { token: members[1].token });
    expect(history.json.map((m: any) => m.content_text)).toEqual(["hello all"]);
    clients.forEach((c) => c.close());
  });
});

describe("ordering and exactly-once", () => {
  it("two concurrent senders over 120 messages: every client sees one identical order, equal to history", async () => {
    const { room, members } = await roomWith(4);
    const [a, b, watcher] = await Promise.all(members.slice(0, 3).map((m) => connect(room.id, m.token)));
    const batched = await connect(room.id, members[3].token, "batch=1");
    for (let i = 0; i < 60; i++) {
      a.send({ type: "chat_message", content_text: `a${i}`, client_id: `a-${i}` });
      b.send({ type: "chat_message", content_text: `b${i}`, client_id: `b-${i}` });
    }
    for (const c of [a, b, watcher, batched]) await c.until((fs) => fs.filter((f) => f.type === "chat_message").length >= 120, "120 messages");
    const seen = [a, b, watcher, batched].map((c) => c.of("chat_message").map((f) => `${f.message.id}:${f.message.content_text}`));
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    // A client taking batch frames sees the same order, whatever the grouping.
    expect(seen[3]).toEqual(seen[0]);
    expect(a.wire.every((w) => w.type !== "batch")).toBe(true);
    // Ids are 1..120 in delivery order, and each sender's own messages keep their send order.
    expect(a.of("chat_message").map((f) => f.message.id)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const fromA = texts(watcher).filter((t) => t.startsWith("a"));
    expect(fromA).toEqual(Array.from({ length: 60 }, (_, i) => `a${i}`));
    const h1 = await api("GET", `/chat-rooms/${room.id}/messages?limit=100&offset=0`, { token: members[0].token });
    const h2 = await api("GET", `/chat-rooms/${room.id}/messages?limit=20&offset=100`, { token: members[0].token });
    const history = [...h2.json, ...h1.json].map((m: any) => `${m.id}:${m.content_text}`);
    expect(history).toEqual(seen[0]);
    [a, b, watcher, batched].forEach((c) => c.close());
  });

  it("REST sends and socket sends share one order and REST sends reach every socket", async () => {
    const { room, members } = await roomWith(2);
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    for (let i = 0; i < 10; i++) {
      a.send({ type: "chat_message", content_text: `ws${i}` });
      const res = await api("POST", `/chatrooms/${room.id}/messages/`, { token: members[1].token, body: { content_text: `rest${i}` } });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ room_id: room.id, sender_id: members[1].id, sender_name: members[1].username, content_text: `rest${i}`, message_type: "text" });
    }
    for (const c of [a, b]) await c.until((fs) => fs.filter((f) => f.type === "chat_message").length >= 20, "20 messages");
    expect(texts(a)).toEqual(texts(b));
    const history = await api("GET", `/chat-rooms/${room.id}/messages`, { token: members[0].token });
    expect(history.json.map((m: any) => m.content_text)).toEqual(texts(a));
    a.close();
    b.close();
  });

  it("a REST retry with the same client_id returns the original and broadcasts nothing; other content is 409", async () => {
    const { room, members } = await roomWith(2);
    const watcher = await connect(room.id, members[1].token);
    const body = { content_text: "once", client_id: "retry-1" };
    const first = await api("POST", `/chat-rooms/${room.id}/messages`, { token: members[0].token, body });
    const again = await api("POST", `/chat-rooms/${room.id}/messages`, { token: members[0].token, body });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expectError(await api("POST", `/chat-rooms/${room.id}/messages`, { token: members[0].token, body: { content_text: "different", client_id: "retry-1" } }), 409, "client_id_conflict");
    // The same client_id from another sender is that sender's own message.
    const other = await api("POST", `/chat-rooms/${room.id}/messages`, { token: members[1].token, body });
    expect(other.json.id).toBe(first.json.id + 1);
    await watcher.next("chat_message", (f) => f.message.id === other.json.id);
    expect(watcher.of("chat_message").map((f) => f.message.id)).toEqual([first.json.id, other.json.id]);
    const history = await api("GET", `/chat-rooms/${room.id}/messages`, { token: members[0].token });
    expect(history.json).toHaveLength(2);
    watcher.close();
  });

  it("a socket retry is answered to the sender only; a conflicting retry gets an error frame", async () => {
    const { room, members } = await roomWith(2);
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    a.send({ type: "chat_message", content_text: "x", client_id: "w-1" });
    await b.next("chat_message");
    a.send({ type: "chat_message", content_text: "x", client_id: "w-1" });
    await a.until((fs) => fs.filter((f) => f.type === "chat_message").length === 2, "echo of retry");
    expect(a.of("chat_message").map((f) => f.message.id)).toEqual([1, 1]);
    a.send({ type: "chat_message", content_text: "y", client_id: "w-1" });
    expect((await a.next("error")).code).toBe("client_id_conflict");
    a.send({ type: "chat_message", content_text: "after" });
    await b.next("chat_message", (f) => f.message.content_text === "after");
    expect(b.of("chat_message").map((f) => f.message.id)).toEqual([1, 2]);
    a.close();
    b.close();
  });
});

describe("exactly once, whatever happened to the message", () => {
  it("a retry after the message was edited or deleted still returns it (not 409) and stores nothing new", async () => {
    const { room, members } = await roomWith(1);
    const sender = members[0];
    const post = (body: Record<string, unknown>) => api("POST", `/chat-rooms/${room.id}/messages`, { token: sender.token, body });
    const first = await post({ content_text: "draft", client_id: "e-1" });
    expect((await api("PATCH", `/chat-rooms/${room.id}/messages/${first.json.id}`, { token: sender.token, body: { content_text: "final" } })).status).toBe(200);
    const retried = await post({ content_text: "draft", client_id: "e-1" });
    expect(retried.status).toBe(200);
    expect(retried.json).toMatchObject({ id: first.json.id, content_text: "final" });
    expectError(await post({ content_text: "final", client_id: "e-1" }), 409, "client_id_conflict");

    const second = await post({ content_text: "oops", client_id: "d-1" });
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${second.json.id}`, { token: sender.token })).status).toBe(204);
    const late = await post({ content_text: "oops", client_id: "d-1" });
    expect(late.status).toBe(200);
    expect(late.json).toMatchObject({ id: second.json.id, deleted: true, content_text: null });
    const history = await api("GET", `/chat-rooms/${room.id}/messages`, { token: sender.token });
    expect(history.json.map((m: { id: number }) => m.id)).toEqual([first.json.id, second.json.id]);
  });

  it("a message stored before fingerprints existed is compared as it is now", async () => {
    const { room, members } = await roomWith(1);
    const post = (body: Record<string, unknown>) => api("POST", `/chat-rooms/${room.id}/messages`, { token: members[0].token, body });
    const first = await post({ content_text: "legacy", client_id: "old-1" });
    await runInDurableObject(roomStub(env, room.id), (_i: Room, state) => {
      state.storage.sql.exec("UPDATE messages SET fingerprint = NULL");
    });
    expect((await post({ content_text: "legacy", client_id: "old-1" })).json.id).toBe(first.json.id);
    expectError(await post({ content_text: "other", client_id: "old-1" }), 409, "client_id_conflict");
  });
});

describe("resume", () => {
  it("?since replays every later message in order before live ones", async () => {
    const { room, owner } = await roomWith(1);
    for (let i = 1; i <= 5; i++) await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: `m${i}` } });
    const c = await connect(room.id, owner.token, "since=2");
    await c.next("replay_done");
    expect(texts(c)).toEqual(["m3", "m4", "m5"]);
    expect(c.of("gap")).toHaveLength(0);
    await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "live" } });
    await c.next("chat_message", (f) => f.message.content_text === "live");
    expect(texts(c)).toEqual(["m3", "m4", "m5", "live"]);
    const polled = await api("GET", `/chat-rooms/${room.id}/messages?after=3`, { token: owner.token });
    expect(polled.json.map((m: any) => m.content_text)).toEqual(["m4", "m5", "live"]);
    c.close();
  });

  it("says so with a gap frame (and X-History-Gap) when since is older than the room still holds", async () => {
    const { room, owner } = await roomWith(1);
    for (let i = 1; i <= 6; i++) await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: `m${i}` } });
    const stub = roomStub(env, room.id);
    await runInDurableObject(stub, (instance: Room) => instance.prune(2));
    const c = await connect(room.id, owner.token, "since=1");
    const gap = await c.next("gap");
    expect(gap).toMatchObject({ from_id: 2, to_id: 4, kind: "pruned" });
    await c.next("replay_done");
    expect(texts(c)).toEqual(["m5", "m6"]);
    expect(c.frames.findIndex((f) => f.type === "gap")).toBeLessThan(c.frames.findIndex((f) => f.type === "chat_message"));
    const polled = await api("GET", `/chat-rooms/${room.id}/messages?after=1`, { token: owner.token });
    expect(polled.headers.get("X-History-Gap")).toBe("2-4");
    expect(polled.json.map((m: any) => m.id)).toEqual([5, 6]);
    c.close();
  });
});

describe("batch frames (?batch=1)", () => {
  it("frames queued together reach a batch client as one batch frame, and a plain client one by one, in the same order", async () => {
    const { room, members } = await roomWith(3);
    const plain = await connect(room.id, members[0].token);
    const batched = await connect(room.id, members[1].token, "batch=1");
    await plain.next("user_join");
    const [plainFrom, batchedFrom] = [plain.wire.length, batched.wire.length];
    const sender = members[2];
    // In one turn of the object (as when frames are processed back to back): the batch client
    // starts typing, which everyone but the typist hears, then three messages arrive.
    await runInDurableObject(roomStub(env, room.id), (instance: Room) => {
      (instance as any).p.typists.set({ id: members[1].id, username: members[1].username, display_name: null }, true);
      for (let i = 1; i <= 3; i++)
        (instance as any).p.log.store({ id: sender.id, username: sender.username, display_name: null }, { content_text: `q${i}`, message_type: "text" });
    });
    for (const c of [plain, batched]) await c.until((fs) => fs.filter((f) => f.type === "chat_message").length >= 3, "3 messages");
    expect(texts(plain)).toEqual(["q1", "q2", "q3"]);
    expect(texts(batched)).toEqual(["q1", "q2", "q3"]);
    expect(batched.wire.slice(batchedFrom)).toEqual([{ type: "batch", size: 3 }]);
    expect(batched.of("typing")).toEqual([]);
    expect(plain.wire.slice(plainFrom)).toEqual([
      { type: "typing", size: 1 },
      { type: "chat_message", size: 1 },
      { type: "chat_message", size: 1 },
      { type: "chat_message", size: 1 },
    ]);
    // A lone frame is never wrapped, and a REST send is broadcast before the REST reply.
    const res = await api("POST", `/chat-rooms/${room.id}/messages`, { token: sender.token, body: { content_text: "solo" } });
    expect(res.status).toBe(200);
    await batched.next("chat_message", (f) => f.message.content_text === "solo");
    expect(batched.wire.at(-1)).toEqual({ type: "chat_message", size: 1 });
    plain.close();
    batched.close();
  });

  it("a replay reaches a batch client in batches of at most 100, then replay_done; frames queued before the socket opened are not repeated", async () => {
    const { room, owner } = await roomWith(1);
    await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "seed" } });
    await seedMessages(room.id, 149);
    const c = await connect(room.id, owner.token, "since=0&batch=1");
    await c.next("replay_done");
    expect(c.wire).toEqual([
      { type: "connection_established", size: 1 },
      { type: "batch", size: 100 },
      { type: "batch", size: 51 },
    ]);
    expect(c.of("chat_message").map((f) => f.message.id)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(c.frames.at(-1)).toEqual({ type: "replay_done", last_message_id: 150 });
    c.close();
  });

  it("batch frames stay bounded with long messages: at most about 60 000 characters each, in order", async () => {
    const { room, owner } = await roomWith(1);
    await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "seed" } });
    await runInDurableObject(roomStub(env, room.id), (_i: Room, state) => {
      state.storage.sql.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
        INSERT INTO messages (sender_id, sender_name, content_text, message_type, sent_at)
        SELECT 1, 'bulk', printf('%04d', i) || substr(replace(hex(zeroblob(2000)), '00', 'ab'), 1, 3996), 'text', '2026-01-01T00:00:00.000Z' FROM n`);
    });
    const c = await connect(room.id, owner.token, "since=0&batch=1");
    await c.next("replay_done");
    const batches = c.wire.filter((w) => w.type === "batch");
    expect(batches.length).toBeGreaterThan(2);
    expect(Math.max(...c.lengths)).toBeLessThanOrEqual(60_000 + 100);
    expect(c.of("chat_message").map((f) => f.message.id)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    c.close();
  });

  it("refuses a batch value other than 1/true/0/false with 400 before any upgrade", async () => {
    const { room, owner } = await roomWith(1);
    const res = await upgrade(room.id, owner.token, "batch=yes");
    expect(res.status).toBe(400);
    expect(res.webSocket).toBeNull();
    const off = await connect(room.id, owner.token, "batch=0");
    expect(off.wire).toEqual([{ type: "connection_established", size: 1 }]);
    off.close();
  });
});

describe("typing and presence", () => {
  it("typing reaches everyone but the typist and expires on its own", async () => {
    const { room, members } = await roomWith(2);
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    const a2 = await connect(room.id, members[0].token);
    a.send({ type: "typing", is_typing: true });
    const t = await b.next("typing");
    expect(t).toMatchObject({ user: { id: members[0].id, username: members[0].username }, is_typing: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(a.of("typing")).toHaveLength(0);
    expect(a2.of("typing")).toHaveLength(0);
    // Time passes: the alarm expires it (run now instead of waiting five seconds).
    await runInDurableObject(roomStub(env, room.id), async (_i: Room, state) => {
      await state.storage.sql.exec("UPDATE typing SET expires_at = 0");
    });
    await runDurableObjectAlarmSafe(room.id);
    expect((await b.next("typing", (f) => !f.is_typing)).user.id).toBe(members[0].id);
    // The expiry, like the start, is news to everyone but the typist (none of their tabs hears it).
    expect([...a.of("typing"), ...a2.of("typing")]).toEqual([]);
    [a, a2, b].forEach((c) => c.close());
  });

  it("REST typing (POST /typing) reaches the sockets as a typing frame; is_typing false stops it", async () => {
    const { room, members } = await roomWith(2);
    const [typist, other] = members;
    const [mine, theirs] = await Promise.all([connect(room.id, typist.token), connect(room.id, other.token)]);
    expect((await api("POST", `/chat-rooms/${room.id}/typing`, { token: typist.token })).status).toBe(204);
    expect(await theirs.next("typing")).toMatchObject({ user: { id: typist.id }, is_typing: true, expires_in_ms: 5000 });
    expect((await api("POST", `/chat-rooms/${room.id}/typing`, { token: typist.token, body: { is_typing: false } })).status).toBe(204);
    expect((await theirs.next("typing", (f) => !f.is_typing)).user.id).toBe(typist.id);
    // The typist's own socket hears nothing of it (the REST reply came after the broadcast).
    expect(mine.of("typing")).toEqual([]);
    const outsider = await registerUser("out");
    expectError(await api("POST", `/chat-rooms/${room.id}/typing`, { token: outsider.token }), 403, "not_a_member");
    expectError(await api("POST", "/chat-rooms/999999999/typing", { token: typist.token }), 404);
    expectError(await api("POST", `/chat-rooms/${room.id}/typing`, {}), 401);
    for (const body of [{ is_typing: "yes" }, { typing: true }])
      expectError(await api("POST", `/chat-rooms/${room.id}/typing`, { token: typist.token, body }), 400, "invalid_request");
    mine.close();
    theirs.close();
  });

  it("user_join and user_leave once per user, not per tab", async () => {
    const { room, members } = await roomWith(2);
    const watcher = await connect(room.id, members[1].token);
    const tab1 = await connect(room.id, members[0].token);
    expect(tab1.frames[0].online.map((u: any) => u.id).sort()).toEqual([members[0].id, members[1].id].sort());
    await watcher.next("user_join");
    const tab2 = await connect(room.id, members[0].token);
    tab1.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(watcher.of("user_join")).toHaveLength(1);
    expect(watcher.of("user_leave")).toHaveLength(0);
    tab2.close();
    const left = await watcher.next("user_leave");
    expect(left.user).toEqual({ id: members[0].id, username: members[0].username });
    const online = await api("GET", `/chat-rooms/${room.id}/online`, { token: members[1].token });
    expect(online.json.map((u: any) => u.id)).toEqual([members[1].id]);
    watcher.close();
  });

  it("two tabs that close while the object is evicted make one user_leave; coming back is a new join", async () => {
    const { room, members } = await roomWith(2);
    const watcher = await connect(room.id, members[1].token);
    const [tab1, tab2] = [await connect(room.id, members[0].token), await connect(room.id, members[0].token)];
    await watcher.next("user_join");
    await evictDurableObject(roomStub(env, room.id));
    tab1.close();
    tab2.close();
    await watcher.next("user_leave");
    await new Promise((r) => setTimeout(r, 500));
    expect(watcher.of("user_leave")).toHaveLength(1);
    // The next first socket is announced again, and its own later leave is announced too.
    const back = await connect(room.id, members[0].token);
    await watcher.until((fs) => fs.filter((f) => f.type === "user_join").length === 2, "second join");
    await evictDurableObject(roomStub(env, room.id));
    back.close();
    await watcher.until((fs) => fs.filter((f) => f.type === "user_leave").length === 2, "second leave");
    watcher.close();
  });

  it("answers ping with pong", async () => {
    const { room, owner } = await roomWith(1);
    const c = await connect(room.id, owner.token);
    c.send('{"type":"ping"}');
    await c.next("pong");
    c.send({ type: "ping", extra: 1 });
    await c.until((fs) => fs.filter((f) => f.type === "pong").length === 2, "second pong");
    c.close();
  });
});

describe("hibernation", () => {
  it("presence, ordering and idempotency survive eviction between messages", async () => {
    const { room, members } = await roomWith(2);
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    a.send({ type: "chat_message", content_text: "before", client_id: "h-1" });
    await b.next("chat_message");
    const stub = roomStub(env, room.id);
    await evictDurableObject(stub);
    // Sockets stay open across eviction; the object wakes on the next frame.
    a.send({ type: "chat_message", content_text: "before", client_id: "h-1" });
    a.send({ type: "chat_message", content_text: "after", client_id: "h-2" });
    await b.next("chat_message", (f) => f.message.content_text === "after");
    expect(b.of("chat_message").map((f) => [f.message.id, f.message.content_text])).toEqual([
      [1, "before"],
      [2, "after"],
    ]);
    const online = await api("GET", `/chat-rooms/${room.id}/online`, { token: members[0].token });
    expect(online.json.map((u: any) => u.id).sort()).toEqual([members[0].id, members[1].id].sort());
    await evictDurableObject(stub);
    b.close();
    const left = await a.next("user_leave");
    expect(left.user.id).toBe(members[1].id);
    a.close();
  });
});

describe("membership follows D1", () => {
  it("removing a member closes their sockets with 4003 and others see them leave", async () => {
    const { room, owner, members } = await roomWith(2);
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    const started = Date.now();
    const res = await api("DELETE", `/chat-rooms/${room.id}/members/${members[1].id}`, { token: owner.token });
    expect(res.status).toBe(204);
    expect((await b.waitClosed()).code).toBe(4003);
    // Felt at once (bench/removal.mjs measures the same against wrangler dev with ws and undici).
    expect(Date.now() - started).toBeLessThan(1000);
    await a.next("user_leave", (f) => f.user.id === members[1].id);
    expect((await upgrade(room.id, members[1].token)).status).toBe(403);
    a.close();
  });

  it("deleting the room closes every socket with 4004, wipes the object, and a new room of the same name starts empty", async () => {
    const { room, owner, members } = await roomWith(2);
    await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "old" } });
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    expect((await api("DELETE", `/chatrooms/${room.id}`, { token: owner.token })).status).toBe(204);
    expect((await a.waitClosed()).code).toBe(4004);
    expect((await b.waitClosed()).code).toBe(4004);
    const left = await runInDurableObject(roomStub(env, room.id), async (_i: Room, state) => ({
      messages: state.storage.sql.exec("SELECT count(*) AS n FROM messages").one().n,
      meta: state.storage.sql.exec("SELECT count(*) AS n FROM meta").one().n,
      alarm: await state.storage.getAlarm(),
    }));
    expect(left).toEqual({ messages: 0, meta: 0, alarm: null });
    const again = await createRoom(owner, { name: room.name });
    expect(again.id).not.toBe(room.id);
    const history = await api("GET", `/chat-rooms/${again.id}/messages`, { token: owner.token });
    expect(history.json).toEqual([]);
    expect(again.last_message).toBeNull();
  });

  it("calls that arrive after the deletion (authorized just before it) write nothing into the wiped object", async () => {
    const { room, owner } = await roomWith(1);
    expect((await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "old" } })).status).toBe(200);
    const actor = { id: owner.id, username: owner.username, display_name: null };
    const late = await runInDurableObject(roomStub(env, room.id), async (instance: Room, state) => {
      await instance.destroy();
      const posted = instance.post(actor, { message_type: "text", content_text: "late" });
      const read = await instance.markRead(actor);
      instance.typing(actor, true);
      const kicked = instance.kick(owner.id);
      const upgrade = await instance.fetch(
        new Request("https://room.internal/ws", { headers: { Upgrade: "websocket", [ADMISSION_HEADER]: JSON.stringify({ room_id: room.id, user: actor, token_version: 0, session_id: "none", expires_at: Date.now() + 60_000, since: null }) } }),
      );
      const count = (table: string) => state.storage.sql.exec(`SELECT count(*) AS n FROM ${table}`).one().n;
      return { posted, read, kicked, upgrade: upgrade.status, messages: count("messages"), meta: count("meta"), typing: count("typing"), alarm: await state.storage.getAlarm() };
    });
    expect(late).toMatchObject({ posted: { ok: false, status: 404, code: "room_not_found" }, read: { ok: false, status: 404 }, kicked: 0, upgrade: 404 });
    expect(late).toMatchObject({ messages: 0, meta: 0, typing: 0, alarm: null });
  });
});

async function runDurableObjectAlarmSafe(roomId: number) {
  const { runDurableObjectAlarm } = await import("cloudflare:test");
  return runDurableObjectAlarm(roomStub(env, roomId));
}

describe("bad frames", () => {
  it("answers every bad frame with an error frame, keeps the socket open and stores nothing", async () => {
    const { room, owner } = await roomWith(1);
    const c = await connect(room.id, owner.token);
    const bad: [unknown, string][] = [
      ["not json", "invalid_json"],
      ["[1,2]", "invalid_frame"],
      [{ no: "type" }, "invalid_frame"],
      [{ type: "shout" }, "invalid_frame"],
      [{ type: "chat_message" }, "empty_message"],
      [{ type: "chat_message", content_text: "   " }, "empty_message"],
      [{ type: "chat_message", content_text: 42 }, "invalid_frame"],
      [{ type: "chat_message", content_text: "x".repeat(5001) }, "invalid_frame"],
      [{ type: "chat_message", content_text: "x", message_type: "sticker" }, "invalid_frame"],
      [{ type: "chat_message", content_text: "x", reply_to_id: 99 }, "invalid_reply_to"],
      [{ type: "chat_message", content_text: "x", reply_to_id: -1 }, "invalid_frame"],
      [{ type: "chat_message", content_text: "x", client_id: "has spaces" }, "invalid_frame"],
      [{ type: "typing", is_typing: "yes" }, "invalid_frame"],
      [{ type: "chat_message", message_type: "image", file_id: 1 }, "use_rest"],
    ];
    for (const [frame, code] of bad) {
      const before = c.frames.length;
      c.send(frame);
      const err = await c.next("error", () => true, before);
      expect(err.code, JSON.stringify(frame)).toBe(code);
      expect(typeof err.message).toBe("string");
    }
    c.ws.send(new Uint8Array([1, 2, 3]));
    expect((await c.next("error", (f) => f.code === "binary_not_supported")).code).toBe("binary_not_supported");
    expect(c.closed).toBeNull();
    const history = await api("GET", `/chat-rooms/${room.id}/messages`, { token: owner.token });
    expect(history.json).toEqual([]);
    // Still usable after all that.
    c.send({ type: "chat_message", content_text: "fine", reply_to: null });
    await c.next("chat_message");
    c.close();
  });

  it("closes with 1009 on a frame over 64 KiB", async () => {
    const { room, owner } = await roomWith(1);
    const c = await connect(room.id, owner.token);
    c.send({ type: "chat_message", content_text: "x".repeat(70 * 1024) });
    expect((await c.waitClosed()).code).toBe(1009);
  });
});

describe("rate limit", () => {
  it("over the burst: rate_limited error frames with retry_after, 1008 for persistent abuse, and REST 429 with Retry-After", async () => {
    const { room, owner } = await roomWith(1);
    const c = await connect(room.id, owner.token);
    // The test config allows 100/s with a burst of 150; one sender's bucket is shared by REST and sockets.
    for (let i = 0; i < 500; i++) c.send({ type: "chat_message", content_text: `flood${i}` });
    const err = await c.next("error", (f) => f.code === "rate_limited");
    expect(err.retry_after).toBeGreaterThanOrEqual(1);
    expect((await c.waitClosed()).code).toBe(1008);
    // The flood left the sender a burst in debt (refused attempts cost too), so REST is refused as well.
    const rest = await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "one more" } });
    expectError(rest, 429, "rate_limited");
    expect(Number(rest.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    const history = await api("GET", `/chat-rooms/${room.id}/messages?limit=1`, { token: owner.token });
    const stored = Number(history.headers.get("X-Last-Message-Id"));
    expect(stored).toBeGreaterThanOrEqual(150);
    expect(stored).toBeLessThan(500);
  });
});

describe("abuse", () => {
  /** Milliseconds from sending a message to hearing it back, through the room object. */
  async function roundTrip(c: Client, tag: string) {
    const started = Date.now();
    c.send({ type: "chat_message", content_text: tag, client_id: tag });
    await c.next("chat_message", (f) => f.message.client_id === tag);
    return Date.now() - started;
  }

  it("1 000 junk frames close the sender with 1008 while the room keeps serving its other sockets", async () => {
    const { room, members } = await roomWith(2);
    const [flooder, other] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    const baseline: number[] = [];
    for (let i = 0; i < 5; i++) baseline.push(await roundTrip(other, `before-${i}`));
    const junk: (string | Uint8Array)[] = ["not json", "{", '{"type":"shout"}', '{"type":"chat_message","content_text":42}', new Uint8Array([0, 1, 2]), '{"type":"reaction","message_id":999999,"emoji":"x","action":"add"}'];
    const flood = Array.from({ length: 1000 }, (_, i) => junk[i % junk.length]);
    for (const f of flood) {
      try {
        flooder.ws.send(f);
      } catch {
        break; // closed under us
      }
    }
    expect((await flooder.waitClosed()).code).toBe(1008);
    // Closed long before the flood was answered: at most the abuse limit of error frames went back.
    expect(flooder.of("error").length).toBeLessThanOrEqual(25);
    const after: number[] = [];
    for (let i = 0; i < 5; i++) after.push(await roundTrip(other, `after-${i}`));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    expect(median(after), `before ${baseline} after ${after}`).toBeLessThan(median(baseline) * 5 + 100);
    expect(other.closed).toBeNull();
    // Nothing of the junk was stored, and the flooder may come back.
    const history = await api("GET", `/chat-rooms/${room.id}/messages?limit=100`, { token: members[1].token });
    expect(history.json.map((m: { content_text: string }) => m.content_text).every((t: string) => /^(before|after)-/.test(t))).toBe(true);
    const again = await connect(room.id, members[0].token);
    expect(again.closed).toBeNull();
    again.close();
    other.close();
  });
});

describe("rate limit, beyond messages", () => {
  it("read frames have their own budget: a flood of them is refused without costing a message or closing the socket", async () => {
    const { room, owner } = await roomWith(1);
    const c = await connect(room.id, owner.token);
    c.send({ type: "chat_message", content_text: "first" });
    await c.next("chat_message");
    // More read frames than the whole message burst (150 in the test config).
    for (let i = 0; i < 200; i++) c.send({ type: "read", message_id: 1 });
    c.send({ type: "chat_message", content_text: "still allowed", client_id: "after-reads" });
    expect((await c.next("chat_message", (f) => f.message.client_id === "after-reads")).message.content_text).toBe("still allowed");
    const refused = c.of("error");
    expect(refused.length).toBeGreaterThan(100);
    expect(refused.every((f) => f.code === "rate_limited" && f.retry_after >= 1)).toBe(true);
    expect(c.closed).toBeNull();
    c.close();
  });

  it("a read frame whose D1 write fails gets an `unavailable` error frame; the socket stays open", async () => {
    const { room, owner } = await roomWith(1);
    const c = await connect(room.id, owner.token);
    c.send({ type: "chat_message", content_text: "hello" });
    await c.next("chat_message");
    // A real failure of the write, not a stand-in: D1 itself refuses this user's read position.
    const trigger = `fail_read_${owner.id}`;
    await env.DB.exec(`CREATE TRIGGER ${trigger} BEFORE UPDATE ON room_members WHEN NEW.user_id = ${owner.id} BEGIN SELECT RAISE(ABORT, 'unavailable'); END`);
    try {
      c.send({ type: "read", message_id: 1 });
      expect(await c.next("error")).toMatchObject({ code: "unavailable" });
    } finally {
      await env.DB.exec(`DROP TRIGGER ${trigger}`);
    }
    c.send({ type: "read", message_id: 1 });
    c.send({ type: "chat_message", content_text: "still open", client_id: "after-failure" });
    await c.next("chat_message", (f) => f.message.client_id === "after-failure");
    expect(c.of("error")).toHaveLength(1);
    expect(c.closed).toBeNull();
    c.close();
  });

  it("typing that flaps between true and false is announced a few times, not per frame", async () => {
    const { room, members } = await roomWith(2);
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    for (let i = 0; i < 40; i++) a.send({ type: "typing", is_typing: i % 2 === 0 });
    a.send({ type: "chat_message", content_text: "done typing", client_id: "flap-end" });
    await b.next("chat_message", (f) => f.message.client_id === "flap-end");
    // A burst of 6 starts and 2 more per second, each with its stop: not one announcement per frame.
    expect(b.of("typing").length).toBeGreaterThan(0);
    expect(b.of("typing").length).toBeLessThanOrEqual(18);
    a.close();
    b.close();
  });

  it("edits and deletions spend from the sender's message budget: 429 with Retry-After", async () => {
    const { room, owner } = await roomWith(1);
    const res = await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "v0" } });
    const id = res.json.id as number;
    const actor = { id: owner.id, username: owner.username, display_name: null };
    const started = Date.now();
    const outcomes = await runInDurableObject(roomStub(env, room.id), (instance: Room) =>
      Promise.all(Array.from({ length: 300 }, (_, i) => instance.edit(actor, id, `v${i + 1}`))),
    );
    // One burst (150 in tests) plus what refilled meanwhile (100/s) may pass; a loaded machine refills more.
    const mayPass = 150 + Math.ceil(((Date.now() - started) / 1000) * 100) + 1;
    const refused = outcomes.filter((o) => !o.ok);
    expect(refused.length).toBeGreaterThanOrEqual(Math.min(300 - mayPass, 100));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((o) => !o.ok && o.code === "rate_limited")).toBe(true);
    for (const call of [
      () => api("PATCH", `/chat-rooms/${room.id}/messages/${id}`, { token: owner.token, body: { content_text: "one more" } }),
      () => api("DELETE", `/chat-rooms/${room.id}/messages/${id}`, { token: owner.token }),
    ]) {
      const limited = await call();
      expectError(limited, 429, "rate_limited");
      expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    }
  });
});

describe("bans, blocks and deleted accounts reach the sockets", () => {
  it("a password change closes the user's sockets in every room with 4001; the new token connects", async () => {
    const { room, owner, members } = await roomWith(2);
    const user = members[1];
    const other = await createRoom(owner, { require_approval: false });
    await join(other, owner, user);
    const watcher = await connect(room.id, owner.token);
    const [here, there] = [await connect(room.id, user.token), await connect(other.id, user.token)];
    const res = await api("POST", "/users/me/password", { token: user.token, body: { old_password: "password123", new_password: "changed-pass-1" } });
    expect(res.status).toBe(200);
    expect(await here.waitClosed()).toMatchObject({ code: 4001 });
    expect((await there.waitClosed()).code).toBe(4001);
    await watcher.next("user_leave", (f) => f.user.id === user.id);
    expect((await upgrade(room.id, user.token)).status).toBe(401);
    // An upgrade the worker admitted with the old token just before the change: the room refuses it.
    const stale = await roomStub(env, room.id).fetch("https://room.internal/ws", {
      headers: {
        Upgrade: "websocket",
        [ADMISSION_HEADER]: JSON.stringify({ room_id: room.id, user: { id: user.id, username: user.username, display_name: null }, token_version: 0, session_id: "none", expires_at: Date.now() + 60_000, since: null, batch: false }),
      },
    });
    expect(stale.status).toBe(401);
    expect(stale.webSocket).toBeNull();
    const back = await connect(room.id, res.json.access_token);
    back.close();
    watcher.close();
  });

  it("a ban closes the user's sockets with 4003 and keeps them out", async () => {
    const { room, owner, members } = await roomWith(2);
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    const started = Date.now();
    const res = await api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: { user_id: members[1].id } });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect((await b.waitClosed()).code).toBe(4003);
    expect(Date.now() - started).toBeLessThan(1000);
    await a.next("user_leave", (f) => f.user.id === members[1].id);
    expect((await upgrade(room.id, members[1].token)).status).toBe(403);
    a.close();
  });

  it("a block stops a direct chat taking messages over sockets and REST; unblocking reopens it", async () => {
    const [me, bob] = await Promise.all([registerUser("dm"), registerUser("dm")]);
    const dm = (await api("POST", "/conversations/direct", { token: me.token, body: { user_id: bob.id } })).json;
    const [mine, his] = await Promise.all([connect(dm.id, me.token), connect(dm.id, bob.token)]);
    expect((await api("POST", `/users/${me.id}/block`, { token: bob.token })).status).toBe(200);
    mine.send({ type: "chat_message", content_text: "are you there?" });
    expect((await mine.next("error")).code).toBe("cannot_message");
    his.send({ type: "chat_message", content_text: "no" });
    expect((await his.next("error")).code).toBe("cannot_message");
    expectError(await api("POST", `/chat-rooms/${dm.id}/messages`, { token: me.token, body: { content_text: "rest?" } }), 403, "cannot_message");
    expect((await api("DELETE", `/users/${me.id}/block`, { token: bob.token })).status).toBe(204);
    mine.send({ type: "chat_message", content_text: "hello again" });
    expect((await his.next("chat_message")).message.content_text).toBe("hello again");
    mine.close();
    his.close();
  });

  it("a block also silences typing in the direct chat, over sockets and REST", async () => {
    const [me, bob] = await Promise.all([registerUser("dm"), registerUser("dm")]);
    const dm = (await api("POST", "/conversations/direct", { token: me.token, body: { user_id: bob.id } })).json;
    const [mine, his] = await Promise.all([connect(dm.id, me.token), connect(dm.id, bob.token)]);
    // Bob is typing when he blocks me: his indicator stops at once rather than expiring later.
    his.send({ type: "typing", is_typing: true });
    expect((await mine.next("typing")).is_typing).toBe(true);
    expect((await api("POST", `/users/${me.id}/block`, { token: bob.token })).status).toBe(200);
    // At once: well before the 5 s after which the indicator would have expired anyway.
    const stopped = await mine.until((fs) => fs.find((f) => f.type === "typing" && !f.is_typing), "typing stop", 1500);
    expect(stopped.user.id).toBe(bob.id);
    mine.send({ type: "typing", is_typing: true });
    mine.send({ type: "chat_message", content_text: "while blocked" });
    // The room handles one socket's frames in order: once this error is back, the typing frame is done.
    expect((await mine.next("error")).code).toBe("cannot_message");
    expectError(await api("POST", `/chat-rooms/${dm.id}/typing`, { token: me.token }), 403, "cannot_message");
    expect((await api("DELETE", `/users/${me.id}/block`, { token: bob.token })).status).toBe(204);
    mine.send({ type: "chat_message", content_text: "after the block" });
    // Frames to one socket keep their order: a typing frame sent during the block would be first.
    await his.next("chat_message");
    expect(his.of("typing")).toEqual([]);
    mine.close();
    his.close();
  });

  it("block syncs carry D1's version: one that arrives after a newer one is ignored", async () => {
    const [me, bob] = await Promise.all([registerUser("dm"), registerUser("dm")]);
    const dm = (await api("POST", "/conversations/direct", { token: me.token, body: { user_id: bob.id } })).json;
    // Block, then unblock: two syncs, versions 1 and 2, the last one says "not blocked".
    expect((await api("POST", `/users/${me.id}/block`, { token: bob.token })).status).toBe(200);
    expect((await api("DELETE", `/users/${me.id}/block`, { token: bob.token })).status).toBe(204);
    const row = await env.DB.prepare("SELECT block_version FROM rooms WHERE id = ?").bind(dm.id).first<{ block_version: number }>();
    expect(row?.block_version).toBe(2);
    // The block's sync arriving late (a reordered request) must not close the chat again.
    const stub = roomStub(env, dm.id);
    expect(await stub.setPostingBlocked(true, 1)).toBe(false);
    expect(await stub.setPostingBlocked(true, 2)).toBe(false);
    const mine = await connect(dm.id, me.token);
    mine.send({ type: "chat_message", content_text: "still open" });
    expect((await mine.next("chat_message")).message.content_text).toBe("still open");
    // A newer version applies.
    expect(await stub.setPostingBlocked(true, 3)).toBe(true);
    mine.send({ type: "chat_message", content_text: "now closed" });
    expect((await mine.next("error")).code).toBe("cannot_message");
    mine.close();
  });

  it("a block whose sync never reached the room is made good by the next socket that connects", async () => {
    const [me, bob] = await Promise.all([registerUser("dm"), registerUser("dm")]);
    const dm = (await api("POST", "/conversations/direct", { token: me.token, body: { user_id: bob.id } })).json;
    // What a block does in D1, without the call to the room (as if that call had failed).
    await env.DB.batch([
      env.DB.prepare("INSERT INTO blocks (blocker_id, blocked_id) VALUES (?, ?)").bind(bob.id, me.id),
      env.DB.prepare("UPDATE rooms SET block_version = block_version + 1 WHERE id = ?").bind(dm.id),
    ]);
    const first = await connect(dm.id, me.token);
    first.send({ type: "chat_message", content_text: "slips through?" });
    expect((await first.next("error")).code).toBe("cannot_message");
    first.close();
  });

  it("deleting an account closes its sockets", async () => {
    const { room, members } = await roomWith(2);
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    const res = await api("DELETE", "/users/me", { token: members[1].token, body: { password: "password123" } });
    expect(res.status, JSON.stringify(res.json)).toBe(204);
    expect((await b.waitClosed()).code).toBe(4003);
    await a.next("user_leave", (f) => f.user.id === members[1].id);
    a.close();
  });
});

describe("read positions over the socket", () => {
  it("a read frame moves the position in D1 and tells the room; bad ids get an error frame", async () => {
    const { room, owner, members } = await roomWith(2);
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    for (let i = 0; i < 3; i++) await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: `r${i}` } });
    b.send({ type: "read", message_id: 2 });
    expect(await a.next("read")).toMatchObject({ user: { id: members[1].id }, message_id: 2 });
    const pos = await env.DB.prepare("SELECT last_read_message_id AS p FROM room_members WHERE room_id = ? AND user_id = ?").bind(room.id, members[1].id).first<number>("p");
    expect(pos).toBe(2);
    b.send({ type: "read", message_id: 99 });
    expect((await b.next("error")).code).toBe("invalid_message_id");
    b.send({ type: "read", message_id: -1 });
    expect((await b.next("error", (f) => f.code === "invalid_frame")).code).toBe("invalid_frame");
    a.close();
    b.close();
  });
});

describe("review follow-ups", () => {
  it("a REST send whose membership check came before a removal that reached the room first is refused", async () => {
    const { room, members } = await roomWith(2);
    const actor = { id: members[1].id, username: members[1].username, display_name: null };
    const [late, later] = await runInDurableObject(roomStub(env, room.id), (instance: Room) => {
      const checkedAt = Date.now() - 1000;
      instance.kick(members[1].id);
      return [
        instance.post(actor, { message_type: "text", content_text: "checked before the kick" }, checkedAt),
        // Checked after it (say they were added again): allowed.
        instance.post(actor, { message_type: "text", content_text: "checked after" }, Date.now() + 1000),
      ];
    });
    expect(late).toMatchObject({ ok: false, status: 403, code: "not_a_member" });
    expect(later).toMatchObject({ ok: true, message: { content_text: "checked after" } });
  });

  it("the room object re-checks membership: an admission for a user removed meanwhile is refused", async () => {
    const { room, owner, members } = await roomWith(2);
    expect((await api("DELETE", `/chat-rooms/${room.id}/members/${members[1].id}`, { token: owner.token })).status).toBe(204);
    // What the worker would forward had its check run just before the removal.
    const admission = { room_id: room.id, user: { id: members[1].id, username: members[1].username, display_name: null }, session_id: "none", expires_at: Date.now() + 60_000, since: null };
    const res = await roomStub(env, room.id).fetch("https://room.internal/ws", {
      headers: { Upgrade: "websocket", "X-Edge-Chat-Admission": JSON.stringify(admission) },
    });
    expect(res.status).toBe(403);
    expect(res.webSocket).toBeNull();
  });

  it("folds keystroke-rate typing frames into one announcement", async () => {
    const { room, members } = await roomWith(2);
    const [a, b] = await Promise.all(members.map((m) => connect(room.id, m.token)));
    for (let i = 0; i < 10; i++) a.send({ type: "typing", is_typing: true });
    a.send({ type: "chat_message", content_text: "done typing" });
    await b.next("chat_message");
    expect(b.of("typing").map((f) => f.is_typing)).toEqual([true, false]);
    a.close();
    b.close();
  });

  it("replays at most the newest 2000 messages and names the rest as a gap to fetch over REST", async () => {
    const { room, owner } = await roomWith(1);
    await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "first" } });
    await seedMessages(room.id, 2499);
    const c = await connect(room.id, owner.token, "since=0");
    await c.next("replay_done");
    expect(c.of("gap")).toEqual([expect.objectContaining({ from_id: 1, to_id: 500, kind: "truncated" })]);
    const ids = c.of("chat_message").map((f) => f.message.id);
    expect(ids).toHaveLength(2000);
    expect(ids[0]).toBe(501);
    expect(ids[ids.length - 1]).toBe(2500);
    c.close();
  });
});

describe("rate limiter", () => {
  it("refills at the configured rate and charges refused attempts down to one burst of debt", async () => {
    const { RateLimiter } = await import("../src/room/rate-limit");
    const rl = new RateLimiter(10, 20);
    const t = 1_000_000;
    for (let i = 0; i < 20; i++) expect(rl.take(1, t)).toBe(0);
    expect(rl.take(1, t)).toBe(1);
    for (let i = 0; i < 100; i++) rl.take(1, t);
    // 20 tokens of debt + 1: 2.1 s at 10/s.
    expect(rl.take(1, t)).toBe(3);
    expect(rl.take(1, t + 1000)).toBeGreaterThan(0);
    expect(rl.take(1, t + 2200)).toBe(0);
    expect(rl.take(2, t)).toBe(0); // buckets are per sender
  });
});
