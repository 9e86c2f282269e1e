// The client package (client/src) against the real worker in workerd: it reconnects by itself when
// the server drops it mid-burst and delivers every message exactly once in order, its outbox
// stores messages sent offline (or whose acknowledgement was lost) exactly once, gaps are filled
// over REST or surfaced, and final close codes stop it.
import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createChatClient, type ChatClient, type RoomConnection, type Warning } from "../client/src/index";
import { hubStub } from "../src/realtime/push";
import { roomStub } from "../src/room/client";
import type { Room } from "../src/room/room";
import { api, BASE, createRoom, join, makeAdmin, registerUser, type TestUser } from "./helpers";
import { kitClient, network, WorkerdWebSocket } from "./client-socket";
import { connect } from "./ws";

const ORIGIN = BASE.replace("/api/v1", "");
const FAST = { initialMs: 10, maxMs: 100 };

function client(user: TestUser, onWarning?: (w: Warning) => void): ChatClient {
  const chat = kitClient({ onWarning: onWarning ?? ((w) => console.warn(w.kind, w.detail)) });
  chat.setToken(user.token);
  return chat;
}

/** Collects what a room connection delivers. */
function record(room: RoomConnection) {
  const ids: number[] = [];
  const texts: string[] = [];
  const states: string[] = [];
  room.on("chat_message", ({ message }) => {
    ids.push(message.id);
    texts.push(message.content_text ?? "");
  });
  room.on("state", (s) => states.push(s));
  return { ids, texts, states };
}

async function until<T>(f: () => T | undefined | false, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Closes the server side of `user`'s sockets in the room, as a restart or a network drop would. */
const dropSockets = (roomId: number, userId: number, code = 1012) =>
  runInDurableObject(roomStub(env, roomId), (_r: Room, state) => {
    for (const ws of state.getWebSockets(`u:${userId}`)) ws.close(code, "server going away");
  });

const history = async (roomId: number, token: string) => {
  const all: any[] = [];
  for (let after = 0; ; ) {
    const page = (await api("GET", `/chat-rooms/${roomId}/messages?after=${after}&limit=100`, { token })).json as any[];
    all.push(...page);
    if (page.length < 100) return all;
    after = page[page.length - 1].id;
  }
};

afterEach(() => {
  network.offline = false;
  network.deaf = false;
});

describe("client against the worker", () => {
  it("the server drops the socket mid-burst of 200: the client reconnects by itself, every message exactly once, in order", async () => {
    const owner = await registerUser("cl");
    const [s1, s2, reader] = [await registerUser("cls"), await registerUser("cls"), await registerUser("clr")];
    const room = await createRoom(owner, { require_approval: false });
    for (const u of [s1, s2, reader]) await join(room, owner, u);
    const chat = client(reader);
    const conn = chat.room(room.id);
    const got = record(conn);
    await until(() => conn.state === "open", "open");
    const opened = network.opened;

    // Two senders on raw sockets, 100 each (within the per-sender burst), interleaved.
    const [a, b] = await Promise.all([connect(room.id, s1.token), connect(room.id, s2.token)]);
    let dropped = false;
    conn.on("chat_message", () => {
      if (!dropped && got.ids.length === 60) {
        dropped = true;
        void dropSockets(room.id, reader.id);
      }
    });
    for (let i = 0; i < 100; i++) {
      a.send({ type: "chat_message", content_text: `a${i}`, client_id: `a-${i}` });
      b.send({ type: "chat_message", content_text: `b${i}`, client_id: `b-${i}` });
    }
    await until(() => got.ids.length >= 200, "200 messages", 20_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(dropped).toBe(true);
    expect(network.opened).toBeGreaterThan(opened);
    expect(got.states).toContain("reconnecting");
    expect(conn.state).toBe("open");
    const stored = (await history(room.id, owner.token)).map((m) => m.id);
    expect(stored).toHaveLength(200);
    expect(got.ids).toEqual(stored);
    expect(new Set(got.texts).size).toBe(200);
    // Each sender's own order holds.
    const aOrder = got.texts.filter((t) => t.startsWith("a"));
    expect(aOrder).toEqual(Array.from({ length: 100 }, (_, i) => `a${i}`));
    a.close();
    b.close();
    conn.close();
    expect(conn.state).toBe("closed");
  });

  it("messages sent offline, or whose acknowledgement was lost, are stored exactly once", async () => {
    const owner = await registerUser("clo");
    const room = await createRoom(owner);
    const chat = client(owner);
    const conn = chat.room(room.id);
    const got = record(conn);
    await until(() => conn.state === "open", "open");
    const first = await conn.send({ content_text: "online" });
    expect(first.content_text).toBe("online");

    // Acknowledgements lost: the server stores, the client never hears.
    network.deaf = true;
    const lost = conn.send({ content_text: "ack lost", client_id: "lost-1" });
    await new Promise((r) => setTimeout(r, 300));
    // Then the network goes away entirely, and more is sent meanwhile.
    network.offline = true;
    await dropSockets(room.id, owner.id);
    await until(() => conn.state === "reconnecting", "reconnecting");
    network.deaf = false;
    const offline = [1, 2, 3, 4, 5].map((i) => conn.send({ content_text: `offline ${i}` }));
    expect(conn.pending().map((p) => p.frame.content_text)).toEqual(["ack lost", "offline 1", "offline 2", "offline 3", "offline 4", "offline 5"]);
    const ids = conn.pending().map((p) => p.client_id);
    await new Promise((r) => setTimeout(r, 150));
    expect(conn.state).toBe("reconnecting");

    network.offline = false;
    const acked = await Promise.all([lost, ...offline]);
    expect(acked.map((m) => m.client_id)).toEqual(ids);
    expect(conn.pending()).toEqual([]);
    const stored = await history(room.id, owner.token);
    expect(stored.map((m) => m.content_text)).toEqual(["online", "ack lost", "offline 1", "offline 2", "offline 3", "offline 4", "offline 5"]);
    expect(stored.filter((m) => m.client_id === "lost-1")).toHaveLength(1);
    await until(() => got.texts.length >= 7, "all delivered");
    await new Promise((r) => setTimeout(r, 100));
    expect(got.texts).toEqual(stored.map((m) => m.content_text));
    // The same client_id again is the same message, not a second one.
    expect((await conn.send({ content_text: "ack lost", client_id: "lost-1" })).id).toBe(acked[0].id);
    expect(await history(room.id, owner.token)).toHaveLength(7);
    conn.close();
  });

  it("a retention gap is surfaced to the caller; a truncated replay is filled over REST, exactly once and in order", async () => {
    const owner = await registerUser("clg");
    const room = await createRoom(owner);
    for (let i = 1; i <= 6; i++) await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: `m${i}` } });
    await runInDurableObject(roomStub(env, room.id), (r: Room) => r.prune(2));
    const chat = client(owner);
    const conn = chat.room(room.id, { since: 1 });
    const got = record(conn);
    const gaps: unknown[] = [];
    conn.on("gap", (g) => gaps.push(g));
    await conn.once("replay_done");
    expect(gaps).toEqual([expect.objectContaining({ type: "gap", kind: "pruned", from_id: 2, to_id: 4 })]);
    expect(got.texts).toEqual(["m5", "m6"]);
    conn.close();

    // More missed than a replay carries (2 000): the older ones come over REST, seamlessly.
    const big = await createRoom(owner);
    await runInDurableObject(roomStub(env, big.id), (_r: Room, state) => {
      state.storage.sql.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2150)
        INSERT INTO messages (sender_id, sender_name, content_text, message_type, sent_at)
        SELECT ${owner.id}, 'bulk', 'bulk ' || i, 'text', '2026-01-01T00:00:00.000Z' FROM n`);
    });
    const full = chat.room(big.id, { since: 0 });
    const all = record(full);
    const bigGaps: unknown[] = [];
    full.on("gap", (g) => bigGaps.push(g));
    await full.once("replay_done");
    expect(bigGaps).toEqual([]);
    expect(all.ids).toEqual(Array.from({ length: 2150 }, (_, i) => i + 1));
    full.close();
  });

  it("skips frames it does not know with a warning, and stops for good on 4003", async () => {
    const owner = await registerUser("clk");
    const member = await registerUser("clk");
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, member);
    const warnings: Warning[] = [];
    const chat = client(member, (w) => warnings.push(w));
    const conn = chat.room(room.id);
    const got = record(conn);
    await until(() => conn.state === "open", "open");
    // A frame from a newer server, and a malformed one, injected into the real socket.
    await runInDurableObject(roomStub(env, room.id), (_r: Room, state) => {
      for (const ws of state.getWebSockets(`u:${member.id}`)) {
        ws.send(JSON.stringify({ type: "hologram", x: 1 }));
        ws.send(JSON.stringify({ type: "batch", frames: [{ type: "chat_message", message: { id: "x" } }, { type: "pong" }] }));
        ws.send("not json");
      }
    });
    await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "after" } });
    await until(() => got.texts.includes("after"), "the message after");
    expect(warnings.map((w) => w.kind)).toEqual(["unknown_frame", "invalid_frame", "bad_json"]);

    const pending = expect(conn.send({ content_text: "x" })).rejects.toThrow(/closed for good/);
    const closed = conn.once("closed");
    network.deaf = true;
    expect((await api("DELETE", `/chat-rooms/${room.id}/members/${member.id}`, { token: owner.token })).status).toBeLessThan(300);
    network.deaf = false;
    const info = await closed;
    expect(info).toMatchObject({ code: 4003, cause: "removed" });
    expect(conn.state).toBe("closed");
    await pending;
    const opened = network.opened;
    await new Promise((r) => setTimeout(r, 200));
    expect(network.opened).toBe(opened);
  });

  it("finds a dead connection with ping/pong and replaces it", async () => {
    const owner = await registerUser("clp");
    const room = await createRoom(owner);
    const chat = createChatClient({
      baseUrl: ORIGIN,
      fetch: (req) => exports.default.fetch(req),
      WebSocket: WorkerdWebSocket,
      backoff: FAST,
      pingIntervalMs: 300,
      pongTimeoutMs: 500,
    });
    chat.setToken(owner.token);
    const conn = chat.room(room.id);
    const got = record(conn);
    await until(() => conn.state === "open", "open");
    // Quiet but alive: pings are answered, nothing is replaced.
    const opened = network.opened;
    await new Promise((r) => setTimeout(r, 1000));
    expect(network.opened).toBe(opened);
    // Silent (no close event, nothing heard): replaced after one unanswered ping.
    conn.on("state", (s) => {
      if (s === "reconnecting") network.deaf = false;
    });
    network.deaf = true;
    await until(() => conn.state === "reconnecting" || !network.deaf, "reconnecting", 5000);
    await until(() => conn.state === "open", "open again", 5000).catch((e) => {
      throw new Error(`${e} states=${got.states.join(",")} opened=${network.opened - opened}`);
    });
    expect(network.opened).toBeGreaterThan(opened);
    await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "still here" } });
    await until(() => got.texts.includes("still here"), "a message on the new socket");
    conn.close();
  });

  it("the user socket delivers notifications once, in order, across a reconnect, and fills a truncated gap over REST", async () => {
    const me = await registerUser("clu");
    const admin = await registerUser("cla");
    await makeAdmin(admin);
    const notice = (title: string) => api("POST", "/notifications/send", { token: admin.token, body: { title, user_ids: [me.id] } });
    const chat = client(me);
    const user = chat.user();
    const titles: string[] = [];
    user.on("notification", ({ notification }) => titles.push(notification.title));
    await until(() => user.state === "open", "open");
    await notice("one");
    await until(() => titles.length === 1, "one");
    // Dropped by the server; more arrive meanwhile; the resume brings them once.
    network.offline = true;
    await runInDurableObject(hubStub(env, me.id), (_h, state) => {
      for (const ws of state.getWebSockets(`u:${me.id}`)) ws.close(1012, "restart");
    });
    await until(() => user.state === "reconnecting", "reconnecting");
    await notice("two");
    await notice("three");
    network.offline = false;
    await until(() => titles.length >= 3, "three");
    await new Promise((r) => setTimeout(r, 100));
    expect(titles).toEqual(["one", "two", "three"]);
    user.close();

    // Resuming from 0 after more than a replay carries (200): the older ones come over REST.
    const stmt = env.DB.prepare("INSERT INTO notifications (user_id, type, title) VALUES (?, 'system', ?)");
    await env.DB.batch(Array.from({ length: 230 }, (_, i) => stmt.bind(me.id, `bulk ${i}`)));
    const again = chat.user({ since: 0 });
    const all: number[] = [];
    const gaps: unknown[] = [];
    again.on("notification", ({ notification }) => all.push(notification.id));
    again.on("gap", (g) => gaps.push(g));
    await again.once("replay_done");
    expect(gaps).toEqual([]);
    expect(all).toHaveLength(233);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(new Set(all).size).toBe(233);
    again.close();
  });
});
