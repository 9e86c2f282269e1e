// Reactions and reply previews: tallies in every message the API returns, `reaction` frames on the
// sockets, the who-reacted list, limits, and what deletion, pruning and eviction do to them.
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room/client";
import type { Room } from "../src/room/room";
import { api, createRoom, expectError, join, registerUser, type TestUser } from "./helpers";
import { connect } from "./ws";

async function setup() {
  const [owner, bob, carol] = await Promise.all([registerUser("rx"), registerUser("rx"), registerUser("rx")]);
  const room = await createRoom(owner, { require_approval: false });
  await join(room, owner, bob);
  await join(room, owner, carol);
  const sent = await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "react to me" } });
  expect(sent.status).toBe(200);
  return { room, owner, bob, carol, messageId: sent.json.id as number };
}

const path = (roomId: number, messageId: number, emoji = "") =>
  `/chat-rooms/${roomId}/messages/${messageId}/reactions${emoji ? `/${encodeURIComponent(emoji)}` : ""}`;
const react = (who: TestUser, roomId: number, messageId: number, emoji: string) => api("PUT", path(roomId, messageId, emoji), { token: who.token });
const unreact = (who: TestUser, roomId: number, messageId: number, emoji: string) => api("DELETE", path(roomId, messageId, emoji), { token: who.token });
const historyOf = async (who: TestUser, roomId: number) => (await api("GET", `/chat-rooms/${roomId}/messages`, { token: who.token })).json as any[];

describe("reactions over REST", () => {
  it("PUT adds once (idempotent), DELETE takes it back; tallies are first-reacted first, with `me` for the reader", async () => {
    const { room, owner, bob, carol, messageId } = await setup();
    const first = await react(owner, room.id, messageId, "👍");
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json).toMatchObject({ id: messageId, reactions: [{ emoji: "👍", count: 1, me: true }] });
    expect((await react(owner, room.id, messageId, "👍")).json.reactions).toEqual([{ emoji: "👍", count: 1, me: true }]);
    expect((await react(bob, room.id, messageId, "🎉")).status).toBe(200);
    expect((await react(bob, room.id, messageId, "👍")).json.reactions).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: "🎉", count: 1, me: true },
    ]);
    // A skin tone, a flag, a keycap, a family and a custom shortcode are one reaction each.
    for (const e of ["👍🏽", "🇯🇵", "1️⃣", "👨‍👩‍👧‍👦", ":party_parrot:"]) expect((await react(carol, room.id, messageId, e)).status).toBe(200);

    const forCarol = (await historyOf(carol, room.id)).find((m) => m.id === messageId);
    expect(forCarol.reactions).toEqual([
      { emoji: "👍", count: 2, me: false },
      { emoji: "🎉", count: 1, me: false },
      { emoji: "👍🏽", count: 1, me: true },
      { emoji: "🇯🇵", count: 1, me: true },
      { emoji: "1️⃣", count: 1, me: true },
      { emoji: "👨‍👩‍👧‍👦", count: 1, me: true },
      { emoji: ":party_parrot:", count: 1, me: true },
    ]);
    const one = await api("GET", `/chat-rooms/${room.id}/messages/${messageId}`, { token: bob.token });
    expect(one.json.reactions.slice(0, 2)).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: "🎉", count: 1, me: true },
    ]);

    expect((await unreact(owner, room.id, messageId, "👍")).status).toBe(204);
    expect((await unreact(owner, room.id, messageId, "👍")).status).toBe(204);
    const after = (await historyOf(owner, room.id)).find((m) => m.id === messageId);
    // Bob's 👍 is now the first one left, and came after his 🎉.
    expect(after.reactions.slice(0, 2)).toEqual([
      { emoji: "🎉", count: 1, me: false },
      { emoji: "👍", count: 1, me: false },
    ]);
  });

  it("GET .../reactions lists who reacted in order, by emoji, paged with after", async () => {
    const { room, owner, bob, carol, messageId } = await setup();
    await react(owner, room.id, messageId, "👍");
    await react(bob, room.id, messageId, "❤️");
    await react(carol, room.id, messageId, "👍");
    const all = await api("GET", path(room.id, messageId), { token: bob.token });
    expect(all.status).toBe(200);
    expect(all.json.map((r: any) => [r.user.id, r.emoji])).toEqual([
      [owner.id, "👍"],
      [bob.id, "❤️"],
      [carol.id, "👍"],
    ]);
    expect(all.json[0]).toEqual({ id: expect.any(Number), emoji: "👍", user: { id: owner.id, username: owner.username }, created_at: expect.stringMatching(/Z$/) });
    const thumbs = await api("GET", `${path(room.id, messageId)}?emoji=${encodeURIComponent("👍")}&limit=1`, { token: bob.token });
    expect(thumbs.json.map((r: any) => r.user.id)).toEqual([owner.id]);
    const next = await api("GET", `${path(room.id, messageId)}?emoji=${encodeURIComponent("👍")}&after=${thumbs.json[0].id}`, { token: bob.token });
    expect(next.json.map((r: any) => r.user.id)).toEqual([carol.id]);
    for (const q of ["limit=0", "limit=101", "after=-1", "after=x", "emoji=abc"])
      expectError(await api("GET", `${path(room.id, messageId)}?${q}`, { token: bob.token }), 400, "invalid_request");
  });

  it("400 for what is not an emoji, 404 unknown or deleted message, 403 outsiders, 401 without a token", async () => {
    const { room, owner, bob, messageId } = await setup();
    const outsider = await registerUser("rx");
    for (const bad of ["abc", "a b", "👍 x", "::", ":UPPER:", "1", "👍👍", "👍".repeat(40), "<script>", `:${"a".repeat(33)}:`])
      expectError(await react(owner, room.id, messageId, bad), 400, "invalid_request");
    expectError(await react(owner, room.id, 999999, "👍"), 404, "message_not_found");
    expectError(await react(owner, room.id, 0, "👍"), 400, "invalid_request");
    expectError(await react(outsider, room.id, messageId, "👍"), 403, "not_a_member");
    expectError(await api("GET", path(room.id, messageId), { token: outsider.token }), 403, "not_a_member");
    expectError(await api("PUT", path(room.id, messageId, "👍")), 401);
    expectError(await react(owner, 999999, messageId, "👍"), 404);

    await react(bob, room.id, messageId, "👍");
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${messageId}`, { token: owner.token })).status).toBe(204);
    expectError(await react(owner, room.id, messageId, "👍"), 404, "message_not_found");
    expectError(await unreact(bob, room.id, messageId, "👍"), 404, "message_not_found");
    expectError(await api("GET", path(room.id, messageId), { token: bob.token }), 404, "message_not_found");
    // Deleting the message took its reactions with it.
    const gone = await runInDurableObject(roomStub(env, room.id), (_r: Room, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM reactions WHERE message_id = ?", messageId).one(),
    );
    expect(gone.n).toBe(0);
    expect((await historyOf(owner, room.id)).find((m) => m.id === messageId).reactions).toEqual([]);
  });

  it("409 too_many_reactions: 10 different emoji per user per message, 50 per message", async () => {
    const { room, owner, messageId } = await setup();
    for (let i = 0; i < 10; i++) expect((await react(owner, room.id, messageId, `:e${i}:`)).status).toBe(200);
    expectError(await react(owner, room.id, messageId, ":e10:"), 409, "too_many_reactions");
    const actor = (id: number) => ({ id, username: `u${id}`, display_name: null });
    // 40 more kinds from other (direct RPC) reactors make 50.
    const outcomes = await runInDurableObject(roomStub(env, room.id), (instance: Room) =>
      Array.from({ length: 40 }, (_, i) => instance.react(actor(100_000 + Math.floor(i / 10)), messageId, `:k${i}:`, true)),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const bob = await registerUser("rx");
    await join(room, owner, bob);
    expectError(await react(bob, room.id, messageId, ":new:"), 409, "too_many_reactions");
    // An emoji the message already has is still open to everyone.
    expect((await react(bob, room.id, messageId, ":e0:")).json.reactions[0]).toEqual({ emoji: ":e0:", count: 2, me: true });
    expect((await historyOf(bob, room.id)).find((m) => m.id === messageId).reactions).toHaveLength(50);
  });

  it("a message you cleared from your history is not yours to react to or to list (404)", async () => {
    const { room, owner, bob, messageId } = await setup();
    await react(owner, room.id, messageId, "👍");
    expect((await api("POST", `/chat-rooms/${room.id}/clear-history`, { token: bob.token })).status).toBe(200);
    expectError(await react(bob, room.id, messageId, "👍"), 404, "message_not_found");
    expectError(await unreact(bob, room.id, messageId, "👍"), 404, "message_not_found");
    expectError(await api("GET", path(room.id, messageId), { token: bob.token }), 404, "message_not_found");
    const c = await connect(room.id, bob.token);
    c.send({ type: "reaction", message_id: messageId, emoji: "👍", action: "add" });
    expect((await c.next("error")).code).toBe("message_not_found");
    c.close();
    // The others still can.
    expect((await api("GET", path(room.id, messageId), { token: owner.token })).json).toHaveLength(1);
  });

  it("reactions spend from the message budget (429), a block stops them in a direct chat (403), and taking one back still works", async () => {
    const { room, owner, messageId } = await setup();
    const actor = { id: owner.id, username: owner.username, display_name: null };
    // Repeats spend too (each reads the tallies back): 200 adds of the same emoji run dry.
    const outcomes = await runInDurableObject(roomStub(env, room.id), (instance: Room) =>
      Array.from({ length: 200 }, () => instance.react(actor, messageId, ":x:", true)),
    );
    expect(outcomes.filter((o) => o.ok && o.changed)).toHaveLength(1);
    expect(outcomes.some((o) => !o.ok && o.code === "rate_limited")).toBe(true);
    const limited = await react(owner, room.id, messageId, ":y:");
    expectError(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);

    const [me, her] = await Promise.all([registerUser("dm"), registerUser("dm")]);
    const dm = (await api("POST", "/conversations/direct", { token: me.token, body: { user_id: her.id } })).json;
    const said = (await api("POST", `/chat-rooms/${dm.id}/messages`, { token: her.token, body: { content_text: "hi" } })).json;
    expect((await react(me, dm.id, said.id, "👋")).status).toBe(200);
    expect((await api("POST", `/users/${me.id}/block`, { token: her.token })).status).toBe(200);
    expectError(await react(me, dm.id, said.id, "❤️"), 403, "cannot_message");
    expect((await unreact(me, dm.id, said.id, "👋")).status).toBe(204);
  });
});

describe("reactions over sockets", () => {
  it("every socket gets a reaction frame with the new tallies; a repeat goes back to the asker only; bad frames get error frames", async () => {
    const { room, owner, bob, messageId } = await setup();
    const [a, b] = await Promise.all([connect(room.id, owner.token), connect(room.id, bob.token)]);
    a.send({ type: "reaction", message_id: messageId, emoji: "🔥", action: "add" });
    for (const c of [a, b])
      expect(await c.next("reaction")).toEqual({
        type: "reaction",
        message_id: messageId,
        emoji: "🔥",
        user: { id: owner.id, username: owner.username },
        action: "add",
        reactions: [{ emoji: "🔥", count: 1 }],
      });
    // Over REST, too.
    await react(bob, room.id, messageId, "🔥");
    expect((await a.next("reaction", (f) => f.user.id === bob.id)).reactions).toEqual([{ emoji: "🔥", count: 2 }]);
    // Again: nothing changes, only the asker hears how things stand.
    const seen = b.of("reaction").length;
    a.send({ type: "reaction", message_id: messageId, emoji: "🔥", action: "add" });
    a.send({ type: "reaction", message_id: messageId, emoji: "🔥", action: "remove" });
    const removed = await b.next("reaction", (f) => f.action === "remove");
    expect(removed.reactions).toEqual([{ emoji: "🔥", count: 1 }]);
    expect(b.of("reaction").length).toBe(seen + 1);
    expect(a.of("reaction").filter((f) => f.user.id === owner.id && f.action === "add")).toHaveLength(2);

    const bad: [unknown, string][] = [
      [{ type: "reaction", message_id: messageId, emoji: "nope", action: "add" }, "invalid_frame"],
      [{ type: "reaction", message_id: messageId, emoji: "🔥" }, "invalid_frame"],
      [{ type: "reaction", message_id: 0, emoji: "🔥", action: "add" }, "invalid_frame"],
      [{ type: "reaction", message_id: "1", emoji: "🔥", action: "add" }, "invalid_frame"],
      [{ type: "reaction", message_id: messageId, emoji: "🔥", action: "toggle" }, "invalid_frame"],
      [{ type: "reaction", message_id: 999999, emoji: "🔥", action: "add" }, "message_not_found"],
    ];
    for (const [frame, code] of bad) {
      const from = a.frames.length;
      a.send(frame);
      expect((await a.next("error", () => true, from)).code, JSON.stringify(frame)).toBe(code);
    }
    expect((await historyOf(owner, room.id)).find((m) => m.id === messageId).reactions).toEqual([{ emoji: "🔥", count: 1, me: false }]);
    a.close();
    b.close();
  });

  it("a resumed socket replays messages with the reader's own reactions marked; reactions survive eviction", async () => {
    const { room, owner, bob, messageId } = await setup();
    await react(bob, room.id, messageId, "👀");
    await evictDurableObject(roomStub(env, room.id));
    const c = await connect(room.id, bob.token, `since=${messageId - 1}`);
    const replayed = await c.next("chat_message", (f) => f.message.id === messageId);
    expect(replayed.message.reactions).toEqual([{ emoji: "👀", count: 1, me: true }]);
    // A new message goes out with empty tallies and no replies.
    await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "fresh" } });
    const fresh = await c.next("chat_message", (f) => f.message.content_text === "fresh");
    expect(fresh.message).toMatchObject({ reactions: [], reply_count: 0, reply_to: null });
    c.close();
  });
});

describe("replies", () => {
  it("a reply shows what it answers; the answered message counts its replies that are not deleted", async () => {
    const { room, owner, bob, messageId } = await setup();
    const c = await connect(room.id, owner.token);
    const reply = await api("POST", `/chat-rooms/${room.id}/messages`, { token: bob.token, body: { content_text: "me too", reply_to_id: messageId } });
    const answered = (await historyOf(bob, room.id)).find((m) => m.id === messageId);
    const quoted = { id: messageId, sender_id: owner.id, sender_name: owner.username, preview: "react to me", deleted: false, sent_at: answered.sent_at };
    expect(reply.json).toMatchObject({ reply_to_id: messageId, reply_to: quoted, reply_count: 0 });
    expect((await c.next("chat_message", (f) => f.message.id === reply.json.id)).message.reply_to).toEqual(quoted);
    const second = await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "and again", reply_to_id: messageId } });
    let page = await historyOf(bob, room.id);
    expect(page.find((m) => m.id === messageId).reply_count).toBe(2);
    expect(page.find((m) => m.id === second.json.id).reply_to).toEqual(quoted);

    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${second.json.id}`, { token: owner.token })).status).toBe(204);
    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${messageId}`, { token: owner.token })).status).toBe(204);
    page = await historyOf(bob, room.id);
    expect(page.find((m) => m.id === messageId).reply_count).toBe(1);
    // The answered message is gone: the reply says so, without its text.
    expect(page.find((m) => m.id === reply.json.id).reply_to).toEqual({ ...quoted, preview: null, deleted: true });
    c.close();
  });

  it("a page's quotes, reply counts and tallies are three statements through indexes, and pruning drops the pruned messages' reactions", async () => {
    const { room, owner, messageId } = await setup();
    await react(owner, room.id, messageId, "✅");
    const plans = await runInDurableObject(roomStub(env, room.id), (instance: Room, state) => {
      const plan = (q: { toSQL(): { sql: string; params: unknown[] } }) => {
        const { sql, params } = q.toSQL();
        return state.storage.sql
          .exec(`EXPLAIN QUERY PLAN ${sql}`, ...params)
          .toArray()
          .map((r) => String(r.detail))
          .join(" | ");
      };
      const q = instance.pageQueries([1, 2, 3], [1], 7);
      return { quoted: plan(q.quoted!), replies: plan(q.replies), tallies: plan(q.tallies) };
    });
    expect(plans.quoted).toContain("USING INTEGER PRIMARY KEY");
    expect(plans.replies).toContain("USING INDEX messages_reply_to_idx");
    expect(plans.tallies).toMatch(/USING (COVERING )?INDEX reactions_message_/);
    expect(`${plans.quoted} ${plans.replies} ${plans.tallies}`).not.toMatch(/SCAN (messages|reactions)\b/);
    for (let i = 0; i < 3; i++) await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: `m${i}` } });
    const left = await runInDurableObject(roomStub(env, room.id), (instance: Room, state) => {
      instance.prune(2);
      return state.storage.sql.exec("SELECT count(*) AS n FROM reactions").one().n;
    });
    expect(left).toBe(0);
  });
});
