// Threads (docs/threads.md): replies with a thread_id stay out of the main timeline (unless
// also_to_room), roots carry their summary, the thread routes (list, page, read, follow), unread
// per thread and the room list's total, following and one thread_reply notification until read,
// sockets (tagged frames, ?since= resume, client_id exactly once), a deleted root as a tombstone,
// the bad inputs, and a thread list whose storage statements do not grow with the threads.
import { describe, expect, it } from "vitest";
import { api, countStatements, createRoom, expectError, flushRoom, join, registerUser, type TestUser } from "./helpers";
import { connect } from "./ws";

const send = async (u: TestUser, roomId: number, body: Record<string, unknown>) => {
  const res = await api("POST", `/chat-rooms/${roomId}/messages`, { token: u.token, body });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as any;
};
const history = async (u: TestUser, roomId: number, qs = "") => {
  const res = await api("GET", `/chat-rooms/${roomId}/messages${qs}`, { token: u.token });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as any[];
};
const threadList = async (u: TestUser, roomId: number, qs = "") => {
  const res = await api("GET", `/chat-rooms/${roomId}/threads${qs}`, { token: u.token });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as { threads: any[]; next_cursor: number | null };
};
const thread = (u: TestUser, roomId: number, rootId: number | string, qs = "") => api("GET", `/chat-rooms/${roomId}/threads/${rootId}${qs}`, { token: u.token });
const readThread = (u: TestUser, roomId: number, rootId: number, body?: unknown) => api("POST", `/chat-rooms/${roomId}/threads/${rootId}/read`, { token: u.token, body });
const notices = async (u: TestUser) => ((await api("GET", "/notifications", { token: u.token })).json as any[]).filter((n) => n.notification_type === "thread_reply");
const inboxRow = async (u: TestUser, roomId: number) => ((await api("GET", "/conversations", { token: u.token })).json as any[]).find((r) => r.id === roomId);

async function trio() {
  const [alice, bob, carol] = await Promise.all(["tha", "thb", "thc"].map((p) => registerUser(p)));
  const room = await createRoom(alice, { require_approval: false });
  await join(room, alice, bob);
  await join(room, alice, carol);
  return { room, alice, bob, carol };
}

describe("threads over REST", () => {
  it("keeps thread replies out of the main timeline unless also_to_room; roots carry their summary; pages a thread", async () => {
    const { room, alice, bob, carol } = await trio();
    const root = await send(alice, room.id, { content_text: "root" });
    expect(root).toMatchObject({ thread_id: null, also_to_room: false, thread: null });
    const r1 = await send(bob, room.id, { content_text: "in thread", thread_id: root.id });
    expect(r1).toMatchObject({ thread_id: root.id, also_to_room: false, reply_to_id: root.id });
    const r2 = await send(carol, room.id, { content_text: "also here", thread_id: root.id, also_to_room: true });
    const r3 = await send(bob, room.id, { content_text: "again", thread_id: root.id });
    const after = await send(alice, room.id, { content_text: "main" });

    const main = await history(alice, room.id);
    expect(main.map((m) => m.id)).toEqual([root.id, r2.id, after.id]);
    expect(main[0].thread).toEqual({ reply_count: 3, last_reply_at: r3.sent_at, participant_ids: [bob.id, carol.id] });
    expect((await history(alice, room.id, "?with_threads=true")).map((m) => m.id)).toEqual([root.id, r1.id, r2.id, r3.id, after.id]);
    // after= pages the main timeline the same way.
    expect((await history(alice, room.id, `?after=${root.id}`)).map((m) => m.id)).toEqual([r2.id, after.id]);

    const page = await thread(carol, room.id, root.id);
    expect(page.status, JSON.stringify(page.json)).toBe(200);
    expect(page.json.root).toMatchObject({ id: root.id, thread: { reply_count: 3 } });
    expect(page.json.messages.map((m: any) => m.id)).toEqual([r1.id, r2.id, r3.id]);
    expect(page.json.last_id).toBe(r3.id);
    expect((await thread(carol, room.id, root.id, `?since=${r1.id}`)).json.messages.map((m: any) => m.id)).toEqual([r2.id, r3.id]);
    expect((await thread(carol, room.id, root.id, `?before=${r3.id}&limit=1`)).json.messages.map((m: any) => m.id)).toEqual([r2.id]);

    const list = await threadList(carol, room.id);
    expect(list.threads).toHaveLength(1);
    // Carol replied (following, read up to her reply): Bob's later reply is her one unread.
    expect(list.threads[0]).toMatchObject({ root: { id: root.id }, following: true, unread_count: 1, last_read_id: r2.id });
    expect(list.next_cursor).toBeNull();
  });

  it("names the first five repliers, in the order they first replied; a deleted reply counts no more", async () => {
    const { room, alice } = await trio();
    const repliers = await Promise.all(Array.from({ length: 6 }, () => registerUser("thp")));
    for (const u of repliers) await join(room, alice, u);
    const root = await send(alice, room.id, { content_text: "root" });
    for (const u of [...repliers, repliers[0]]) await send(u, room.id, { content_text: "me too", thread_id: root.id });
    const last = await send(repliers[5], room.id, { content_text: "last", thread_id: root.id });
    const summary = () => thread(alice, room.id, root.id).then((r) => r.json.root.thread);
    expect(await summary()).toEqual({ reply_count: 8, last_reply_at: last.sent_at, participant_ids: repliers.slice(0, 5).map((u) => u.id) });
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${last.id}`, { token: repliers[5].token })).status).toBeLessThan(300);
    expect((await summary()).reply_count).toBe(7);
  });

  it("lists threads newest activity first, paged by cursor", async () => {
    const { room, alice, bob } = await trio();
    const roots = [];
    for (const t of ["a", "b", "c"]) roots.push(await send(alice, room.id, { content_text: t }));
    for (const r of [roots[1], roots[0], roots[2]]) await send(bob, room.id, { content_text: "re", thread_id: r.id });
    const first = await threadList(alice, room.id, "?limit=2");
    expect(first.threads.map((t) => t.root.id)).toEqual([roots[2].id, roots[0].id]);
    expect(first.next_cursor).not.toBeNull();
    const second = await threadList(alice, room.id, `?limit=2&cursor=${first.next_cursor}`);
    expect(second.threads.map((t) => t.root.id)).toEqual([roots[1].id]);
    expect(second.next_cursor).toBeNull();
    expectError(await api("GET", `/chat-rooms/${room.id}/threads?cursor=abc`, { token: alice.token }), 400, "invalid_cursor");
  });

  it("refuses bad thread input with a clear 4xx that changes nothing", async () => {
    const { room, alice, bob } = await trio();
    const root = await send(alice, room.id, { content_text: "root" });
    const reply = await send(bob, room.id, { content_text: "r", thread_id: root.id });
    const other = await createRoom(alice, { require_approval: false });
    const elsewhere = await send(alice, other.id, { content_text: "other room" });
    const before = await history(alice, room.id, "?with_threads=true");
    const post = (body: unknown) => api("POST", `/chat-rooms/${room.id}/messages`, { token: bob.token, body });
    expectError(await post({ content_text: "x", thread_id: 999_999 }), 404, "thread_not_found");
    expectError(await post({ content_text: "x", thread_id: elsewhere.id + 1000 }), 404, "thread_not_found");
    expectError(await post({ content_text: "x", thread_id: reply.id }), 400, "thread_in_thread");
    expectError(await post({ content_text: "x", also_to_room: true }), 400, "invalid_thread_id");
    expectError(await post({ content_text: "x", thread_id: "abc" }), 400, "invalid_request");
    expectError(await post({ content_text: "x", thread_id: -1 }), 400, "invalid_request");
    expect(await history(alice, room.id, "?with_threads=true")).toEqual(before);
    // The thread routes: a message that is no root, or none at all.
    expectError(await thread(alice, room.id, 999_999), 404, "thread_not_found");
    expectError(await thread(alice, room.id, reply.id), 400, "thread_in_thread");
    expectError(await thread(alice, room.id, "x"), 400, "invalid_request");
    expectError(await readThread(alice, room.id, 999_999), 404, "thread_not_found");
    expectError(await readThread(alice, room.id, root.id, { message_id: root.id }), 400, "invalid_message_id");
    expectError(await api("PUT", `/chat-rooms/${room.id}/threads/999999/follow`, { token: alice.token }), 404, "thread_not_found");
    // Outsiders see no threads.
    const outsider = await registerUser("tho");
    expectError(await api("GET", `/chat-rooms/${room.id}/threads`, { token: outsider.token }), 403);
  });

  it("a deleted root leaves its thread readable, the root as a tombstone", async () => {
    const { room, alice, bob } = await trio();
    const root = await send(alice, room.id, { content_text: "soon gone" });
    const reply = await send(bob, room.id, { content_text: "stays", thread_id: root.id });
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${root.id}`, { token: alice.token })).status).toBeLessThan(300);
    const page = await thread(bob, room.id, root.id);
    expect(page.status).toBe(200);
    expect(page.json.root).toMatchObject({ id: root.id, deleted: true, content_text: null, thread: { reply_count: 1 } });
    expect(page.json.messages.map((m: any) => [m.id, m.content_text])).toEqual([[reply.id, "stays"]]);
    expect((await threadList(bob, room.id)).threads.map((t) => t.root.deleted)).toEqual([true]);
  });
});

describe("unread, following and notifications", () => {
  it("counts thread replies per thread and in the room list's total, never in the main unread; reading clears both", async () => {
    const { room, alice, bob } = await trio();
    const root = await send(alice, room.id, { content_text: "root" });
    await flushRoom(room.id);
    await send(bob, room.id, { content_text: "t1", thread_id: root.id });
    const t2 = await send(bob, room.id, { content_text: "t2", thread_id: root.id });
    await send(bob, room.id, { content_text: "main" });
    await flushRoom(room.id);
    expect((await threadList(alice, room.id)).threads[0]).toMatchObject({ unread_count: 2, following: true });
    const row = await inboxRow(alice, room.id);
    // One main message unread; the two thread-only replies are in the thread total.
    expect(row).toMatchObject({ unread_count: 1, thread_unread_count: 2 });
    expect((await api("GET", `/chat-rooms/${room.id}`, { token: alice.token })).json).toMatchObject({ unread_messages_count: 1, thread_unread_count: 2 });
    expect((await api("GET", "/conversations/unread", { token: alice.token })).json).toMatchObject({ unread_messages: 1 });

    // A read position at the root: what is unread after it is the one main message.
    expect((await api("POST", `/chat-rooms/${room.id}/read`, { token: alice.token, body: { message_id: root.id } })).json.unread_count).toBe(1);
    const read = await readThread(alice, room.id, root.id);
    expect(read.status, JSON.stringify(read.json)).toBe(200);
    expect(read.json).toEqual({ root_id: root.id, last_read_id: t2.id, unread_count: 0, thread_unread_count: 0 });
    expect((await threadList(alice, room.id)).threads[0].unread_count).toBe(0);
    expect(await inboxRow(alice, room.id)).toMatchObject({ unread_count: 1, thread_unread_count: 0 });
    // The main read position reads the main timeline: nothing left, thread replies or not.
    const mark = await api("POST", `/chat-rooms/${room.id}/read`, { token: alice.token, body: {} });
    expect(mark.status, JSON.stringify(mark.json)).toBe(200);
    expect(mark.json.unread_count).toBe(0);
    expect(await inboxRow(alice, room.id)).toMatchObject({ unread_count: 0, thread_unread_count: 0 });
  });

  it("an also_to_room reply counts in the main unread too", async () => {
    const { room, alice, bob } = await trio();
    const root = await send(alice, room.id, { content_text: "root" });
    await flushRoom(room.id);
    await send(bob, room.id, { content_text: "both", thread_id: root.id, also_to_room: true });
    await flushRoom(room.id);
    expect(await inboxRow(alice, room.id)).toMatchObject({ unread_count: 1, thread_unread_count: 1 });
  });

  it("notifies a follower once per thread until they read it; replying or a mention follows; anyone can unfollow", async () => {
    const { room, alice, bob, carol } = await trio();
    const root = await send(alice, room.id, { content_text: "root" });
    await send(bob, room.id, { content_text: "first", thread_id: root.id });
    await flushRoom(room.id);
    // Alice started it (she follows); Bob replied (follows, but his own reply notifies nobody of it).
    expect(await notices(alice)).toHaveLength(1);
    expect(await notices(bob)).toHaveLength(0);
    await send(bob, room.id, { content_text: "second", thread_id: root.id });
    await flushRoom(room.id);
    expect(await notices(alice)).toHaveLength(1);
    expect((await notices(alice))[0]).toMatchObject({ room: { id: room.id }, title: expect.stringContaining("replied in a thread") });
    expect((await readThread(alice, room.id, root.id)).status).toBe(200);
    await send(bob, room.id, { content_text: "third", thread_id: root.id });
    await flushRoom(room.id);
    expect(await notices(alice)).toHaveLength(2);

    // Carol is mentioned in the thread: she follows it, and its next reply notifies her.
    await send(bob, room.id, { content_text: `@${carol.username} look`, thread_id: root.id });
    await flushRoom(room.id);
    expect((await threadList(carol, room.id)).threads[0]).toMatchObject({ following: true });
    await send(bob, room.id, { content_text: "more", thread_id: root.id });
    await flushRoom(room.id);
    expect(await notices(carol)).toHaveLength(1);
    expect((await inboxRow(carol, room.id)).thread_unread_count).toBeGreaterThan(0);

    // Unfollowing: no more notifications, and the room-list total drops the thread.
    expect((await api("DELETE", `/chat-rooms/${room.id}/threads/${root.id}/follow`, { token: carol.token })).status).toBe(204);
    expect((await readThread(carol, room.id, root.id)).status).toBe(200);
    await send(bob, room.id, { content_text: "unheard", thread_id: root.id });
    await flushRoom(room.id);
    expect(await notices(carol)).toHaveLength(1);
    expect((await threadList(carol, room.id)).threads[0]).toMatchObject({ following: false, unread_count: 1 });
    expect((await inboxRow(carol, room.id)).thread_unread_count).toBe(0);
    const follow = await api("PUT", `/chat-rooms/${room.id}/threads/${root.id}/follow`, { token: carol.token });
    expect(follow.json).toEqual({ root_id: root.id, following: true });
    expect((await inboxRow(carol, room.id)).thread_unread_count).toBe(1);
  });
});

describe("threads on sockets", () => {
  it("thread replies reach every room socket tagged with thread_id; ?since= replays them in order; a client_id retry is exactly once", async () => {
    const { room, alice, bob } = await trio();
    const root = await send(alice, room.id, { content_text: "root" });
    const watcher = await connect(room.id, alice.token);
    const sender = await connect(room.id, bob.token);
    sender.send({ type: "chat_message", content_text: "over the socket", thread_id: root.id, client_id: "thr-1" });
    const got = (await watcher.next("chat_message", (f) => f.message.content_text === "over the socket")).message;
    expect(got).toMatchObject({ thread_id: root.id, also_to_room: false, sender_id: bob.id });
    await sender.next("chat_message", (f) => f.message.id === got.id);
    // The same client_id again: the original back to the sender, nothing new stored or broadcast.
    sender.send({ type: "chat_message", content_text: "over the socket", thread_id: root.id, client_id: "thr-1" });
    await sender.until((fs) => fs.filter((f) => f.type === "chat_message" && f.message.id === got.id).length === 2, "the duplicate");
    // The REST retry with the same client_id is the same message too.
    const again = await api("POST", `/chat-rooms/${room.id}/messages`, { token: bob.token, body: { content_text: "over the socket", thread_id: root.id, client_id: "thr-1" } });
    expect(again.json.id).toBe(got.id);
    // A socket error for a bad thread_id, and nothing stored.
    sender.send({ type: "chat_message", content_text: "nowhere", thread_id: 999_999 });
    expect((await sender.next("error", (f) => f.code === "thread_not_found")).code).toBe("thread_not_found");
    const plain = await send(alice, room.id, { content_text: "after" });
    await watcher.next("chat_message", (f) => f.message.id === plain.id);
    expect(watcher.of("chat_message").filter((f) => f.message.thread_id === root.id)).toHaveLength(1);
    expect((await thread(alice, room.id, root.id)).json.messages.map((m: any) => m.id)).toEqual([got.id]);
    watcher.close();
    sender.close();

    const resumed = await connect(room.id, alice.token, `since=${root.id}`);
    await resumed.next("replay_done");
    expect(resumed.of("chat_message").map((f) => [f.message.id, f.message.thread_id])).toEqual([
      [got.id, root.id],
      [plain.id, null],
    ]);
    resumed.close();
  });
});

describe("thread list cost", () => {
  it("costs the same storage statements for 1 thread as for 40", async () => {
    const { room, alice, bob } = await trio();
    const roots = [];
    for (let i = 0; i < 40; i++) roots.push(await send(alice, room.id, { content_text: `root ${i}` }));
    await send(bob, room.id, { content_text: "re", thread_id: roots[0].id });
    const count = async () => {
      const { result, statements } = await countStatements(room.id, (instance) => instance.threadList(alice.id, { limit: 50 }));
      return { threads: result.threads.length, statements };
    };
    const one = await count();
    expect(one.threads).toBe(1);
    expect(one.statements).toBeGreaterThan(0);
    for (const r of roots.slice(1)) await send(bob, room.id, { content_text: "re", thread_id: r.id });
    const forty = await count();
    expect(forty.threads).toBe(40);
    expect(forty.statements).toBe(one.statements);
  });
});
