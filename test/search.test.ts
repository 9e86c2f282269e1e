// Message search (GET /chat-rooms/{id}/messages/search): words in any script, sender and time
// filters, paging, edits and deletions reaching the index, access, bad input, and the query plan.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room/client";
import type { Room } from "../src/room/room";
import { api, createRoom, expectError, flushRoom, join, makeAdmin, registerUser, type TestUser } from "./helpers";

const send = async (u: TestUser, roomId: number, content_text: string) => {
  const res = await api("POST", `/chat-rooms/${roomId}/messages`, { token: u.token, body: { content_text } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as { id: number; sent_at: string };
};
const search = (u: TestUser, roomId: number, params: Record<string, string | number>) =>
  api("GET", `/chat-rooms/${roomId}/messages/search?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`, {
    token: u.token,
  });
const ids = (res: { json: { id: number }[] }) => res.json.map((m) => m.id);

async function room() {
  const [owner, member] = await Promise.all([registerUser("so"), registerUser("sm")]);
  const r = await createRoom(owner, { require_approval: false });
  await join(r, owner, member);
  return { owner, member, room: r };
}

describe("GET /chat-rooms/{id}/messages/search", () => {
  it("finds every word as a case-insensitive substring, in any script, newest first", async () => {
    const { owner, member, room: r } = await room();
    const a = await send(owner, r.id, "The Quarterly REPORT is ready");
    const b = await send(member, r.id, "report draft attached, quarterly numbers inside");
    await send(member, r.id, "lunch?");
    const c = await send(owner, r.id, "今天天气很好，我们去公园吧");
    const d = await send(member, r.id, "天气预报说明天下雨");

    const one = await search(member, r.id, { q: "report" });
    expect(one.status).toBe(200);
    expect(ids(one)).toEqual([b.id, a.id]);
    expect(one.json[0]).toMatchObject({ room_id: r.id, sender_id: member.id, content_text: expect.stringContaining("report"), deleted: false });
    // Every word must occur, in any order; case does not matter.
    expect(ids(await search(member, r.id, { q: "QUARTERLY report" }))).toEqual([b.id, a.id]);
    expect(ids(await search(member, r.id, { q: "report lunch" }))).toEqual([]);
    // Substrings, not just whole words.
    expect(ids(await search(member, r.id, { q: "arterl" }))).toEqual([b.id, a.id]);
    // CJK has no spaces: three characters go through the index, one or two are a substring scan.
    expect(ids(await search(member, r.id, { q: "天气很" }))).toEqual([c.id]);
    expect(ids(await search(member, r.id, { q: "天气" }))).toEqual([d.id, c.id]);
    expect(ids(await search(member, r.id, { q: "雨" }))).toEqual([d.id]);
    expect(ids(await search(member, r.id, { q: "天气 公园" }))).toEqual([c.id]);
  });

  it("treats quotes, FTS operators and LIKE wildcards in q as plain text", async () => {
    const { owner, room: r } = await room();
    const a = await send(owner, r.id, 'she said "ship it" NEAR the end');
    const b = await send(owner, r.id, "100% done_now");
    await send(owner, r.id, "1000 done");
    expect(ids(await search(owner, r.id, { q: '"ship it"' }))).toEqual([a.id]);
    expect(ids(await search(owner, r.id, { q: "NEAR( OR *" }))).toEqual([]);
    expect(ids(await search(owner, r.id, { q: "NEAR" }))).toEqual([a.id]);
    expect(ids(await search(owner, r.id, { q: "0%" }))).toEqual([b.id]);
    expect(ids(await search(owner, r.id, { q: "e_n" }))).toEqual([b.id]);
    expect(ids(await search(owner, r.id, { q: "%" }))).toEqual([b.id]);
  });

  it("filters by sender and time window, and pages with before", async () => {
    const { owner, member, room: r } = await room();
    const m1 = await send(member, r.id, "alpha one");
    const o1 = await send(owner, r.id, "alpha two");
    await new Promise((done) => setTimeout(done, 15));
    const m2 = await send(member, r.id, "alpha three");
    const m3 = await send(member, r.id, "beta four");

    expect(ids(await search(owner, r.id, { sender_id: member.id }))).toEqual([m3.id, m2.id, m1.id]);
    expect(ids(await search(owner, r.id, { q: "alpha", sender_id: member.id }))).toEqual([m2.id, m1.id]);
    expect(ids(await search(owner, r.id, { q: "alpha", since: m2.sent_at }))).toEqual([m2.id]);
    expect(ids(await search(owner, r.id, { q: "alpha", until: m2.sent_at }))).toEqual([o1.id, m1.id]);
    // Any offset is accepted and compared as the same instant.
    const local = new Date(m2.sent_at).toISOString().replace("Z", "+00:00");
    expect(ids(await search(owner, r.id, { sender_id: member.id, since: local }))).toEqual([m3.id, m2.id]);
    // Pages of two, newest first: the next page is everything before the last id seen.
    const first = await search(owner, r.id, { q: "alpha", limit: 2 });
    expect(ids(first)).toEqual([m2.id, o1.id]);
    expect(ids(await search(owner, r.id, { q: "alpha", limit: 2, before: o1.id }))).toEqual([m1.id]);
    // No filter at all: the newest messages.
    expect(ids(await search(owner, r.id, { limit: 1 }))).toEqual([m3.id]);
  });

  it("takes at most 20 words and never fails with a 5xx, whatever the words", async () => {
    const { owner, room: r } = await room();
    const a = await send(owner, r.id, "a b c d e f g h i j k l m n o p q r s t");
    // 20 distinct one-letter words: each a LIKE filter with two bound parameters.
    const twenty = "a b c d e f g h i j k l m n o p q r s t";
    expect(ids(await search(owner, r.id, { q: twenty }))).toEqual([a.id]);
    // A repeated word counts once.
    expect(ids(await search(owner, r.id, { q: `${twenty} a b c` }))).toEqual([a.id]);
    const many = Array.from({ length: 99 }, (_, i) => String.fromCharCode(0x4e00 + i)).join(" ");
    expectError(await search(owner, r.id, { q: many }), 400, "invalid_request");
    expectError(await search(owner, r.id, { q: `${twenty} u` }), 400, "invalid_request");
    const across = await api("GET", `/messages/search?q=${encodeURIComponent(many)}`, { token: owner.token });
    expectError(across, 400, "invalid_request");
    expect(across.json.errors[0]).toMatchObject({ path: "query.q", message: "at most 20 words" });
    // Hostile words: quotes, FTS operators, LIKE wildcards, NUL and lone surrogates.
    for (const q of ['"', '""" AND', "% _ \\", "\u0000 x", "\ud800abc", "NOT OR AND NEAR(*)", "a".repeat(200)]) {
      const res = await search(owner, r.id, { q });
      expect(res.status, q).toBeLessThan(500);
    }
  });

  it("an edit moves a message to its new words; a deleted message is not found", async () => {
    const { owner, room: r } = await room();
    const a = await send(owner, r.id, "original wording");
    const b = await send(owner, r.id, "to be removed wording");
    const edited = await api("PATCH", `/chat-rooms/${r.id}/messages/${a.id}`, { token: owner.token, body: { content_text: "rewritten text" } });
    expect(edited.status).toBe(200);
    expect((await api("DELETE", `/chat-rooms/${r.id}/messages/${b.id}`, { token: owner.token })).status).toBe(204);
    expect(ids(await search(owner, r.id, { q: "original" }))).toEqual([]);
    expect(ids(await search(owner, r.id, { q: "rewritten" }))).toEqual([a.id]);
    expect(ids(await search(owner, r.id, { q: "wording" }))).toEqual([]);
    expect(ids(await search(owner, r.id, { q: "removed" }))).toEqual([]);
  });

  it("sends leave the index alone; a search or the summary alarm indexes them in one batch", async () => {
    const { owner, room: r } = await room();
    const stub = roomStub(env, r.id);
    const indexed = () =>
      runInDurableObject(stub, (_i: Room, state) => state.storage.sql.exec("SELECT value FROM meta WHERE key = 'search_indexed'").toArray()[0]?.value ?? null);
    const a = await send(owner, r.id, "first batch");
    const b = await send(owner, r.id, "first batch again");
    expect(await indexed()).toBeNull();
    expect(ids(await search(owner, r.id, { q: "batch" }))).toEqual([b.id, a.id]);
    expect(await indexed()).toBe(String(b.id));
    const c = await send(owner, r.id, "second batch");
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await indexed()).toBe(String(c.id));
    expect(ids(await search(owner, r.id, { q: "second" }))).toEqual([c.id]);
  });

  it("edits, deletions and pruning of indexed messages keep the index equal to the log", async () => {
    const { owner, room: r } = await room();
    const sent: { id: number; sent_at: string }[] = [];
    for (const text of ["keep alpha", "edit alpha", "delete alpha", "prune alpha", "late alpha"]) sent.push(await send(owner, r.id, text));
    // Index the first four, then send one more that is not indexed yet.
    const stub = roomStub(env, r.id);
    await runInDurableObject(stub, (_i: Room, state) => {
      state.storage.sql.exec("INSERT INTO messages_fts(rowid, content_text, file_name) SELECT id, content_text, file_name FROM messages WHERE id <= ?", sent[3].id);
      state.storage.sql.exec("INSERT INTO meta (key, value) VALUES ('search_indexed', ?)", String(sent[3].id));
    });
    expect((await api("PATCH", `/chat-rooms/${r.id}/messages/${sent[1].id}`, { token: owner.token, body: { content_text: "edited beta" } })).status).toBe(200);
    expect((await api("PATCH", `/chat-rooms/${r.id}/messages/${sent[4].id}`, { token: owner.token, body: { content_text: "late gamma" } })).status).toBe(200);
    expect((await api("DELETE", `/chat-rooms/${r.id}/messages/${sent[2].id}`, { token: owner.token })).status).toBe(204);
    expect(ids(await search(owner, r.id, { q: "alpha" }))).toEqual([sent[3].id, sent[0].id]);
    expect(ids(await search(owner, r.id, { q: "beta" }))).toEqual([sent[1].id]);
    expect(ids(await search(owner, r.id, { q: "gamma" }))).toEqual([sent[4].id]);
    // Prune all but the newest (what retention does): their index entries go with them.
    await runInDurableObject(stub, (instance: Room) => instance.prune(1));
    expect(ids(await search(owner, r.id, { q: "alpha" }))).toEqual([]);
    expect(ids(await search(owner, r.id, { q: "gamma" }))).toEqual([sent[4].id]);
    // FTS5 compares the index with the messages table (rank 1: against the external content) and
    // fails on any entry out of step.
    await runInDurableObject(stub, (_i: Room, state) => state.storage.sql.exec("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"));
  });

  it("a long backlog is indexed in bounded steps from the alarm; meanwhile searches still find everything", async () => {
    const { owner, room: r } = await room();
    const stub = roomStub(env, r.id);
    // 45 000 messages written straight into the log, as in a room that predates search.
    await runInDurableObject(stub, (_i: Room, state) => {
      state.storage.sql.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 45000)
        INSERT INTO messages (sender_id, sender_name, content_text, message_type, sent_at)
        SELECT ${owner.id}, 'bulk', 'old message ' || i || CASE WHEN i % 10000 = 7 THEN ' marker' ELSE '' END, 'text', '2026-01-01T00:00:00.000Z' FROM n`);
    });
    const indexed = () =>
      runInDurableObject(stub, (_i: Room, state) => Number(state.storage.sql.exec("SELECT value FROM meta WHERE key = 'search_indexed'").toArray()[0]?.value ?? 0));
    const marked = [40007, 30007, 20007, 10007, 7];
    // The first search indexes one step (20 000) and matches the rest with LIKE: nothing is missed.
    expect(ids(await search(owner, r.id, { q: "marker" }))).toEqual(marked);
    expect(await indexed()).toBe(20_000);
    // The alarm takes the next steps, one per run, and schedules itself while behind.
    await send(owner, r.id, "wake the alarm");
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await indexed()).toBe(40_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await indexed()).toBe(45_001);
    expect(ids(await search(owner, r.id, { q: "marker" }))).toEqual(marked);
    await runInDurableObject(stub, (_i: Room, state) => state.storage.sql.exec("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"));
  });

  it("members and system admins search; outsiders 403, unknown room 404, no token 401", async () => {
    const { owner, member, room: r } = await room();
    await send(owner, r.id, "visible to members");
    const [outsider, sysadmin] = await Promise.all([registerUser("sx"), registerUser("ss")]);
    await makeAdmin(sysadmin);
    expect((await search(member, r.id, { q: "visible" })).json).toHaveLength(1);
    expect((await search(sysadmin, r.id, { q: "visible" })).json).toHaveLength(1);
    expectError(await search(outsider, r.id, { q: "visible" }), 403, "not_a_member");
    expectError(await search(owner, 999999999, { q: "visible" }), 404);
    expectError(await api("GET", `/chat-rooms/${r.id}/messages/search?q=visible`), 401);
  });

  it("400 for bad parameters, and nothing is searched", async () => {
    const { owner, room: r } = await room();
    const bad: Record<string, string>[] = [
      { q: "" },
      { q: "   " },
      { q: "x".repeat(201) },
      { limit: "0" },
      { limit: "101" },
      { limit: "ten" },
      { sender_id: "-1" },
      { sender_id: "abc" },
      { since: "yesterday" },
      { until: "2026-13-01T00:00:00Z" },
      { since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" },
      { before: "-5" },
      { before: "1e400" },
    ];
    for (const params of bad) expectError(await search(owner, r.id, params), 400, "invalid_request");
  });

  it("words are looked up in the trigram index, newest first, with no sort of the matches", async () => {
    const { owner, room: r } = await room();
    await send(owner, r.id, "indexed words here");
    const plans = await runInDurableObject(roomStub(env, r.id), (instance: Room, state) =>
      [{ q: "words", limit: 20 }, { q: "words here", sender_id: owner.id, before: 9, limit: 20 }, { q: "ab", limit: 20 }].map((query) => {
        const { sql, params } = instance.searchQuery(query).toSQL();
        return state.storage.sql
          .exec(`EXPLAIN QUERY PLAN ${sql}`, ...params)
          .toArray()
          .map((row) => String(row.detail))
          .join("; ");
      }),
    );
    for (const plan of plans.slice(0, 2)) {
      expect(plan).toContain("SCAN messages_fts VIRTUAL TABLE INDEX");
      expect(plan).toContain("SEARCH messages USING INTEGER PRIMARY KEY");
      expect(plan).not.toContain("TEMP B-TREE");
    }
    // Short words only: the log newest first through its primary key.
    expect(plans[2]).toMatch(/SCAN messages/);
    expect(plans[2]).not.toContain("TEMP B-TREE");
  });
});

describe("GET /messages/search (across your conversations)", () => {
  const across = (u: TestUser, params: Record<string, string | number>) =>
    api("GET", `/messages/search?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`, { token: u.token });

  it("searches every room you are in, newest first, with the conversation of each hit; nothing from rooms you are not in or left", async () => {
    const [me, other, stranger] = await Promise.all([registerUser("xs"), registerUser("xs"), registerUser("xs")]);
    const g = await createRoom(other, { require_approval: false });
    await join(g, other, me);
    const dm = (await api("POST", "/conversations/direct", { token: me.token, body: { user_id: other.id } })).json;
    const notMine = await createRoom(stranger, { require_approval: false });
    const left = await createRoom(other, { require_approval: false });
    await join(left, other, me);
    await send(other, left.id, "budget from a room I left");
    expect((await api("POST", `/chat-rooms/${left.id}/leave`, { token: me.token })).status).toBe(204);

    const m1 = await send(other, g.id, "the Budget for march");
    await send(stranger, notMine.id, "budget nobody else sees");
    const m2 = await send(me, dm.id, "did you see the budget?");
    await send(other, g.id, "lunch?");
    const m3 = await send(other, dm.id, "budget approved 预算");

    const res = await across(me, { q: "budget" });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.map((h: any) => h.message.id)).toEqual([m3.id, m2.id, m1.id]);
    expect(res.json[0].room).toEqual({ id: dm.id, kind: "direct", name: "" });
    expect(res.json[2].room).toEqual({ id: g.id, kind: "group", name: g.name });
    expect(res.headers.get("X-Searched-Rooms")).toBe("2");
    expect(res.headers.get("X-More-Rooms")).toBeNull();

    // Narrowed to rooms, a sender, a time window; paged with until.
    expect((await across(me, { q: "budget", room_ids: String(g.id) })).json.map((h: any) => h.message.id)).toEqual([m1.id]);
    expect((await across(me, { q: "budget", room_ids: `${g.id},${notMine.id}` })).json.map((h: any) => h.message.id)).toEqual([m1.id]);
    expect((await across(me, { q: "budget", sender_id: me.id })).json.map((h: any) => h.message.id)).toEqual([m2.id]);
    const page1 = await across(me, { q: "budget", limit: 2 });
    expect(page1.json.map((h: any) => h.message.id)).toEqual([m3.id, m2.id]);
    const page2 = await across(me, { q: "budget", limit: 2, until: page1.json[1].message.sent_at });
    expect(page2.json.map((h: any) => h.message.id)).toEqual([m1.id]);
    expect((await across(me, { q: "预算" })).json.map((h: any) => h.message.id)).toEqual([m3.id]);

    // What you cleared from your history is not found.
    expect((await api("POST", `/chat-rooms/${dm.id}/clear-history`, { token: me.token })).status).toBe(200);
    expect((await across(me, { q: "budget" })).json.map((h: any) => h.message.id)).toEqual([m1.id]);
  });

  it("searches your 50 most recently active rooms and says when there are more", async () => {
    const me = await registerUser("xs");
    const stmts = Array.from({ length: 51 }, (_, i) =>
      env.DB.prepare(
        `INSERT INTO rooms (name, creator_id, last_activity_at) VALUES (?1, ?2, ?3) RETURNING id`,
      ).bind(`many-${me.id}-${i}`, me.id, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()),
    );
    const ids = (await env.DB.batch(stmts)).map((r) => (r.results[0] as { id: number }).id);
    const member = env.DB.prepare("INSERT INTO room_members (room_id, user_id, role, status) VALUES (?, ?, 'owner', 'active')");
    await env.DB.batch(ids.map((id) => member.bind(id, me.id)));
    // The oldest room (i = 0) is the one left out: a message there is not found.
    await send(me, ids[0], "needle in the oldest room");
    // Its summary written now, so no later write moves the room's activity time back up.
    expect(await flushRoom(ids[0])).toBe(true);
    await env.DB.prepare("UPDATE rooms SET last_activity_at = '2026-01-01T00:00:00.000Z' WHERE id = ?").bind(ids[0]).run();
    const res = await across(me, { q: "needle" });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Searched-Rooms")).toBe("50");
    expect(res.headers.get("X-More-Rooms")).toBe("true");
    expect(res.json).toEqual([]);
    expect((await across(me, { q: "needle", room_ids: String(ids[0]) })).json).toHaveLength(1);
  });

  it("400 without q or with bad filters, 401 without a token", async () => {
    const me = await registerUser("xs");
    const bad: Record<string, string | number>[] = [{}, { q: "" }, { q: "x", limit: 0 }, { q: "x", limit: 51 }, { q: "x", room_ids: "a,b" }, { q: "x", room_ids: Array.from({ length: 51 }, (_, i) => i + 1).join(",") }, { q: "x", since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" }, { q: "x", until: "yesterday" }];
    for (const params of bad) expectError(await across(me, params), 400, "invalid_request");
    expect((await across(me, { q: "anything" })).json).toEqual([]);
    expectError(await api("GET", "/messages/search?q=x"), 401);
  });
});
