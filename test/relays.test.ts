// Giant rooms (docs/realtime.md, "Giant rooms"): past RELAY_SOCKETS (3 in this project, see
// vitest.config.ts) a room places new sockets on relay objects, and every frame reaches them in
// order, exactly once, resumable, with kicks and deletion, and a relay restart loses nothing.
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room/client";
import { pickRelay, relayName } from "../src/room/relay/placement";
import type { Relay } from "../src/room/relay/relay";
import type { Room } from "../src/room/room";
import { api, createRoom, expectError, flushRoom, join, registerUser, roomWith, type TestUser } from "./helpers";
import { connect, type Client } from "./ws";

const relayStub = (roomId: number, i: number) => env.RELAY.get(env.RELAY.idFromName(relayName(roomId, i)));


/** The user ids whose sockets an object holds (open ones, not closing). */
const heldBy = (stub: DurableObjectStub<Room> | DurableObjectStub<Relay>) =>
  runInDurableObject(stub as DurableObjectStub<Room>, (_o, state) =>
    state
      .getWebSockets()
      .map((ws) => ws.deserializeAttachment() as { id: number; left?: boolean })
      .filter((a) => !a.left)
      .map((a) => a.id),
  );

const relayCount = (roomId: number) =>
  runInDurableObject(roomStub(env, roomId), (_r: Room, state) => Number(state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'relays'").toArray()[0]?.value ?? 0));

/** A giant room of 7 users, one socket each, connected one after the other (the last 4 on relays). */
async function giantRoom(query: (i: number) => string = () => "") {
  const r = await roomWith(7);
  const clients: Client[] = [];
  for (const [i, u] of r.members.entries()) clients.push(await connect(r.room.id, u.token, query(i)));
  return { ...r, clients };
}

const ids = (c: Client) => c.of("chat_message").map((f) => f.message.id as number);
const send = (roomId: number, token: string, content_text: string) => api("POST", `/chat-rooms/${roomId}/messages`, { token, body: { content_text } });

/** Which relay holds each user of the room (relays 0..n-1). */
async function relayOf(roomId: number, n: number) {
  const at = new Map<number, number>();
  for (let i = 0; i < n; i++) for (const id of await heldBy(relayStub(roomId, i))) at.set(id, i);
  return at;
}

describe("placement", () => {
  it("rendezvous hashing: one more relay only draws users to itself; full relays get nobody new", () => {
    const users = [...Array(2000).keys()].map((u) => u + 1);
    const before = users.map((u) => pickRelay(7, u, { relays: 4, full: [] }));
    const after = users.map((u) => pickRelay(7, u, { relays: 5, full: [] }));
    const moved = users.filter((_u, k) => before[k] !== after[k]);
    for (const k of users.keys()) if (before[k] !== after[k]) expect(after[k]).toBe(4);
    // About a fifth move (to the new relay), and every relay takes a share.
    expect(moved.length).toBeGreaterThan(300);
    expect(moved.length).toBeLessThan(500);
    for (let i = 0; i < 5; i++) expect(after.filter((r) => r === i).length).toBeGreaterThan(300);
    const withFull = users.map((u) => pickRelay(7, u, { relays: 5, full: [2] }));
    expect(withFull).not.toContain(2);
    for (const k of users.keys()) if (after[k] !== 2) expect(withFull[k]).toBe(after[k]);
  });


  it("a small room keeps its sockets itself, with no relay", async () => {
    const { room, members } = await roomWith(3);
    const clients = await Promise.all(members.map((u) => connect(room.id, u.token)));
    expect((await heldBy(roomStub(env, room.id))).sort()).toEqual(members.map((u) => u.id).sort());
    expect(await relayCount(room.id)).toBe(0);
    await send(room.id, members[0].token, "small");
    for (const c of clients) await c.next("chat_message", (f) => f.message.content_text === "small");
    for (const c of clients) c.close();
  });

  it("past the threshold new sockets go to ceil(online / threshold) relays; the first ones stay", async () => {
    const { room, members, clients } = await giantRoom();
    expect(await relayCount(room.id)).toBe(3);
    expect((await heldBy(roomStub(env, room.id))).sort()).toEqual(members.slice(0, 3).map((u) => u.id).sort());
    const at = await relayOf(room.id, 3);
    expect([...at.keys()].sort()).toEqual(members.slice(3).map((u) => u.id).sort());
    // Each greeting is the room's: same room, last message id, the user it is for.
    for (const [i, c] of clients.entries()) expect(c.frames[0]).toMatchObject({ type: "connection_established", room_id: room.id, user: { id: members[i].id } });
    for (const c of clients) c.close();
  });
});

describe("the message path", () => {
  it("every socket, on the room or a relay, gets every message once and in order", async () => {
    const { room, members, clients } = await giantRoom((i) => (i % 2 ? "batch=1" : ""));
    const sent: number[] = [];
    // REST sends, in bursts, from users on the room and on relays.
    for (let round = 0; round < 4; round++) {
      const burst = await Promise.all(members.map((u, i) => send(room.id, u.token, `m${round}.${i}`)));
      for (const r of burst) sent.push(r.json.id);
    }
    // A socket send from a relay's socket, with its client_id: its own frame acknowledges it.
    const relayed = clients[6];
    relayed.send({ type: "chat_message", content_text: "from a relay", client_id: "relay-1" });
    const mine = await relayed.next("chat_message", (f) => f.message.client_id === "relay-1");
    sent.push(mine.message.id);
    sent.sort((a, b) => a - b);
    for (const c of clients) await c.until(() => ids(c).length >= sent.length, "all messages");
    for (const c of clients) expect(ids(c)).toEqual(sent);
    // A retry of the same client_id: only the sender hears of it again, and nobody else.
    relayed.send({ type: "chat_message", content_text: "from a relay", client_id: "relay-1" });
    await relayed.until(() => relayed.of("chat_message").filter((f) => f.message.client_id === "relay-1").length === 2, "the retry's answer");
    await send(room.id, members[0].token, "after the retry");
    for (const c of clients) await c.next("chat_message", (f) => f.message.content_text === "after the retry");
    for (const c of clients.slice(0, 6)) expect(c.of("chat_message").filter((f) => f.message.client_id === "relay-1")).toHaveLength(1);
    for (const c of clients) c.close();
  });

  it("a relay's socket's frames are the room's: typing counted in the presence frame, refusals to the sender", async () => {
    const { room, members, clients } = await giantRoom();
    const typist = clients[5];
    typist.send({ type: "typing", is_typing: true });
    typist.send({ type: "ping" });
    await typist.next("pong");
    // Within a second (the summary write, run now): one presence frame naming the typist, to every
    // socket on the room and the relays; no typing frame of its own.
    await flushRoom(room.id);
    for (const c of clients) await c.next("presence", (f) => f.typing_count === 1 && f.typing[0]?.id === members[5].id);
    // A second typist, and a refresh of the first, make one more frame with both counted.
    clients[1].send({ type: "typing", is_typing: true });
    clients[1].send({ type: "ping" });
    await clients[1].next("pong");
    await flushRoom(room.id);
    for (const c of clients) await c.until(() => c.of("presence").at(-1)?.typing_count === 2, "two typing");
    expect(clients[0].of("presence").at(-1)!.typing.map((u: { id: number }) => u.id)).toEqual([members[1].id, members[5].id].sort((a, b) => a - b));
    typist.send({ type: "typing", is_typing: false });
    clients[1].send({ type: "typing", is_typing: false });
    typist.send({ type: "ping" });
    clients[1].send({ type: "ping" });
    await typist.next("pong", (_f) => typist.of("pong").length === 2);
    await clients[1].next("pong", (_f) => clients[1].of("pong").length === 2);
    await flushRoom(room.id);
    for (const c of clients) await c.until(() => c.of("presence").at(-1)?.typing_count === 0, "nobody typing");
    // No flush without a change: nothing more is said.
    const said = clients[0].of("presence").length;
    await flushRoom(room.id);
    for (const c of clients) expect(c.of("typing")).toHaveLength(0);
    typist.send("not json");
    const err = await typist.next("error");
    expect(err.code).toBe("invalid_json");
    typist.send({ type: "ping" });
    await typist.next("pong");
    typist.send({ type: "reaction", message_id: 999, emoji: "👍", action: "add" });
    expect((await typist.next("error", (f) => f.code !== "invalid_json")).code).toBe("message_not_found");
    await send(room.id, members[0].token, "after typing");
    await clients[0].next("chat_message", (f) => f.message.content_text === "after typing");
    expect(clients[0].of("presence")).toHaveLength(said);
    for (const c of clients) c.close();
  });

  it("a relay's socket resumes with ?since= through its relay: the missed ones once, then live", async () => {
    const { room, members, clients } = await giantRoom();
    const first = await send(room.id, members[0].token, "seen");
    const leaving = clients[6];
    await leaving.next("chat_message", (f) => f.message.id === first.json.id);
    leaving.close();
    const missed = [];
    for (let i = 0; i < 3; i++) missed.push((await send(room.id, members[0].token, `missed ${i}`)).json.id);
    const back = await connect(room.id, members[6].token, `since=${first.json.id}`);
    expect((await relayOf(room.id, 3)).has(members[6].id)).toBe(true);
    await back.next("replay_done");
    const live = await send(room.id, members[1].token, "live");
    await back.next("chat_message", (f) => f.message.id === live.json.id);
    expect(ids(back)).toEqual([...missed, live.json.id]);
    for (const c of [...clients.slice(0, 6), back]) c.close();
  });

  it("a relay that sees a hole asks the room for the range before forwarding anything", async () => {
    const { room, members, clients } = await giantRoom();
    const at = await relayOf(room.id, 3);
    const index = at.get(members[6].id)!;
    const onIt = clients.filter((_c, i) => at.get(members[i].id) === index);
    // A frame in the room's stream that no push carried (a lost call), then a push after it.
    const ghost = { type: "typing", user: { id: 999_999, username: "ghost" }, is_typing: false };
    const seq = await runInDurableObject(roomStub(env, room.id), (_r: Room, state) =>
      state.storage.sql.exec<{ seq: number }>("INSERT INTO relay_log (frame, except_user) VALUES (?, NULL) RETURNING seq", JSON.stringify(ghost)).one().seq,
    );
    await relayStub(room.id, index).push({ prev: seq, entries: [] });
    for (const c of onIt) await c.next("typing", (f) => f.user.id === 999_999);
    // The stream goes on from there: the next message is neither lost nor doubled.
    const next = await send(room.id, members[0].token, "after the hole");
    for (const c of clients) await c.next("chat_message", (f) => f.message.id === next.json.id);
    for (const c of onIt) expect(c.of("typing").filter((f) => f.user.id === 999_999)).toHaveLength(1);
    for (const c of clients) c.close();
  });
});

describe("presence", () => {
  it("relays report their users to the room (from an alarm); the room's online count and presence include them", async () => {
    const { room, owner, members, clients } = await giantRoom();
    const relays = [0, 1, 2].map((i) => relayStub(room.id, i));
    const at = await relayOf(room.id, 3);
    const used = [...new Set(at.values())];
    // Each relay that took a socket has its report due (an alarm, not a timer).
    for (const i of used) expect(await runDurableObjectAlarm(relays[i])).toBe(true);
    await flushRoom(room.id);
    const seen = async () => (await api("GET", `/chat-rooms/${room.id}`, { token: owner.token })).json.online_members_count;
    expect(await seen()).toBe(7);
    // Every socket, on the room or a relay, hears the count in one presence frame.
    for (const c of clients) await c.next("presence", (f) => f.online === 7);
    // A relay's socket goes: its next report takes the user out.
    clients[6].close();
    const index = at.get(members[6].id)!;
    await runInDurableObject(relays[index], async (_r: Relay, state) => {
      for (let t = 0; t < 100 && (await state.storage.getAlarm()) === null; t++) await new Promise((r) => setTimeout(r, 20));
    });
    expect(await runDurableObjectAlarm(relays[index])).toBe(true);
    await flushRoom(room.id);
    expect(await seen()).toBe(6);
    // In a giant room nobody's coming and going is its own frame.
    const late = await registerUser("big");
    await join(room, owner, late);
    const lateSocket = await connect(room.id, late.token);
    await send(room.id, owner.token, "after the late one");
    for (const c of clients.slice(0, 6)) await c.next("chat_message", (f) => f.message.content_text === "after the late one");
    for (const c of clients.slice(0, 6)) expect(c.of("user_join").filter((f) => f.user.id === late.id)).toHaveLength(0);
    lateSocket.close();
    // Nor a leave, from one of the room's own sockets.
    clients[1].close();
    await send(room.id, owner.token, "after a leave");
    for (const c of [clients[0], clients[5]]) await c.next("chat_message", (f) => f.message.content_text === "after a leave");
    for (const c of [clients[0], clients[5]]) expect(c.of("user_leave")).toHaveLength(0);
    for (const c of clients.slice(0, 6)) c.close();
  });
});

describe("the online list over REST", () => {
  it("pages by user id (limit, X-Next-Cursor) and includes the relays' users; a bad limit or cursor is 400", async () => {
    const { room, owner, members, clients } = await giantRoom();
    const relays = [...new Set((await relayOf(room.id, 3)).values())];
    for (const i of relays) await runDurableObjectAlarm(relayStub(room.id, i));
    const seen: number[] = [];
    let cursor: string | null = "";
    for (let pages = 0; cursor !== null && pages < 10; pages++) {
      const res = await api("GET", `/chat-rooms/${room.id}/online?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { token: owner.token });
      expect(res.status).toBe(200);
      expect(res.json.length).toBeLessThanOrEqual(3);
      for (const u of res.json) expect(u).toEqual({ id: expect.any(Number), username: members.find((m) => m.id === u.id)!.username, display_name: null });
      seen.push(...res.json.map((u: { id: number }) => u.id));
      cursor = res.headers.get("X-Next-Cursor");
    }
    // Every member once, in id order, across 3 pages (3 + 3 + 1): the room's 3 and the relays' 4.
    expect(seen).toEqual(members.map((u) => u.id).sort((a, b) => a - b));
    // The default page holds them all, with no cursor.
    const all = await api("GET", `/chat-rooms/${room.id}/online`, { token: owner.token });
    expect(all.json).toHaveLength(7);
    expect(all.headers.get("X-Next-Cursor")).toBeNull();
    for (const bad of ["limit=0", "limit=1001", "limit=x", "cursor=-1"]) expectError(await api("GET", `/chat-rooms/${room.id}/online?${bad}`, { token: owner.token }), 400);
    for (const c of clients) c.close();
  });
});

describe("membership reaches the relays", () => {
  it("a removed member's relay socket gets its closing frame; a deleted room closes every relay socket", async () => {
    const { room, owner, members, clients } = await giantRoom();
    const removed = await api("DELETE", `/chat-rooms/${room.id}/members/${members[6].id}`, { token: owner.token });
    expect(removed.status).toBeLessThan(300);
    expect(await clients[6].next("closing")).toMatchObject({ kind: "removed", code: 4003 });
    await send(room.id, owner.token, "after the removal");
    await clients[5].next("chat_message", (f) => f.message.content_text === "after the removal");
    expect(texts(clients[6])).not.toContain("after the removal");
    expect((await api("DELETE", `/chat-rooms/${room.id}`, { token: owner.token })).status).toBeLessThan(300);
    for (const c of clients.slice(0, 6)) expect(await c.next("closing")).toMatchObject({ kind: "room_deleted", code: 4004 });
  });
});

const texts = (c: Client) => c.of("chat_message").map((f) => f.message.content_text);

describe("relay restarts", () => {
  it("a relay evicted with its sockets open hibernates them: the stream goes on, nothing lost", async () => {
    const { room, members, clients } = await giantRoom();
    const index = (await relayOf(room.id, 3)).get(members[6].id)!;
    const a = await send(room.id, members[0].token, "before");
    await clients[6].next("chat_message", (f) => f.message.id === a.json.id);
    await evictDurableObject(relayStub(room.id, index));
    const b = await send(room.id, members[0].token, "after");
    for (const c of clients) await c.next("chat_message", (f) => f.message.id === b.json.id);
    expect(ids(clients[6])).toEqual([a.json.id, b.json.id]);
    for (const c of clients) c.close();
  });

  it("a room evicted between messages still reaches its relays' sockets once each", async () => {
    const { room, members, clients } = await giantRoom();
    const a = await send(room.id, members[6].token, "before");
    for (const c of clients) await c.next("chat_message", (f) => f.message.id === a.json.id);
    // The room forgets what it sent each relay: it sends from its head, and the relays carry on.
    await evictDurableObject(roomStub(env, room.id));
    clients[6].send({ type: "chat_message", content_text: "after", client_id: "after-evict" });
    const b = await clients[6].next("chat_message", (f) => f.message.client_id === "after-evict");
    for (const c of clients) await c.next("chat_message", (f) => f.message.id === b.message.id);
    for (const c of clients) expect(ids(c)).toEqual([a.json.id, b.message.id]);
    for (const c of clients) c.close();
  });

  it("kill test: a relay restarted mid-stream closes its sockets; each resumes with ?since= and loses nothing", async () => {
    const { room, members, clients } = await giantRoom();
    const at = await relayOf(room.id, 3);
    const index = at.get(members[6].id)!;
    const killed = members.map((_u, i) => i).filter((i) => at.get(members[i].id) === index);
    const all: number[] = [];
    const stream = async (from: number, to: number) => {
      for (let i = from; i < to; i++) all.push((await send(room.id, members[i % 3].token, `stream ${i}`)).json.id);
    };
    await stream(0, 10);
    for (const i of killed) await clients[i].until(() => ids(clients[i]).length === 10, "the stream to start");
    // Mid-stream: the relay is aborted (as a crash or a code update would) while the next
    // messages are being sent and pushed to it.
    const sender = stream(10, 40);
    for (const i of killed) await clients[i].until(() => ids(clients[i]).length >= 12, "the stream to go on");
    await runInDurableObject(relayStub(room.id, index), (_r: Relay, state) => state.abort("killed by the test")).catch(() => {});
    const resumed: Client[] = [];
    for (const i of killed) {
      await clients[i].waitClosed();
      const seen = ids(clients[i]);
      resumed[i] = await connect(room.id, members[i].token, `since=${seen[seen.length - 1] ?? 0}`);
    }
    await sender;
    for (const i of killed) {
      const c = resumed[i];
      await c.until(() => [...ids(clients[i]), ...ids(c)].at(-1) === all.at(-1), "the rest of the stream");
      // What the first socket saw, then the replay and live of the second: every id once, in order.
      expect([...ids(clients[i]), ...ids(c)]).toEqual(all);
      // It really was cut mid-stream: the second socket carried on where the first stopped.
      expect(ids(c).length).toBeGreaterThan(0);
    }
    for (const [i, c] of clients.entries()) if (!killed.includes(i)) expect(ids(c)).toEqual(all);
    for (const c of [...clients, ...resumed.filter(Boolean)]) c.close();
  });
});
