// Edit history: every edit keeps the text it replaced; members list a message's versions oldest
// first; deleting the message erases its text and every earlier version from the room's storage
// (read here straight from the room's SQLite, search index included); retention and
// clear-history take versions too; bad input is a 4xx that changes nothing.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room/client";
import type { Room } from "../src/room/room";
import { api, expectError, matrix, roomCast, type TestUser } from "./helpers";

const send = async (u: TestUser, roomId: number, content_text: string) => {
  const res = await api("POST", `/chat-rooms/${roomId}/messages`, { token: u.token, body: { content_text } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as { id: number; sent_at: string };
};
const edit = async (u: TestUser, roomId: number, id: number, content_text: string) => {
  const res = await api("PATCH", `/chat-rooms/${roomId}/messages/${id}`, { token: u.token, body: { content_text } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as { id: number; edited_at: string };
};
const edits = (u: TestUser | null, roomId: number, id: number | string, qs = "") =>
  api("GET", `/chat-rooms/${roomId}/messages/${id}/edits${qs}`, { token: u?.token });
const texts = (res: { json: any }) => (res.json as any[]).map((v) => v.content_text);
const storedVersions = (roomId: number, messageId: number) =>
  runInDurableObject(roomStub(env, roomId), (_i: Room, state) =>
    state.storage.sql.exec("SELECT version, content_text FROM message_edits WHERE message_id = ? ORDER BY version", messageId).toArray(),
  );

/**
 * Where in the room's storage `words` still occur: every table, every column. The search index's
 * own tables keep three-character pieces of the text (trigrams) in blobs, so there a word counts
 * as found when any of its pieces is.
 */
const leftovers = (roomId: number, words: string[]) =>
  runInDurableObject(roomStub(env, roomId), (_i: Room, state) => {
    const sql = state.storage.sql;
    const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray();
    const pieces = words.flatMap((w) => Array.from({ length: w.length - 2 }, (_, i) => w.slice(i, i + 3)));
    const decoder = new TextDecoder("latin1");
    const found: string[] = [];
    for (const { name } of tables) {
      // The FTS5 table itself reads through to the messages table (external content): its shadow tables hold the index.
      if (name === "messages_fts") continue;
      for (const row of sql.exec(`SELECT * FROM "${name}"`)) {
        for (const [col, v] of Object.entries(row)) {
          const text = v instanceof ArrayBuffer ? decoder.decode(v) : typeof v === "string" ? v : "";
          const hit = (name.startsWith("messages_fts_") ? pieces : words).find((p) => text.includes(p));
          if (hit) found.push(`${name}.${col}: ${hit}`);
        }
      }
    }
    return found;
  });

/** Six random consonants: no other text of the room has their trigrams. */
const marker = () => Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => "bcdfghjkmnpqrstvwxz"[b % 19]).join("");

describe("edit history over REST", () => {
  it("lists the versions oldest first, each with its time, the current text last; members and system admins only", async () => {
    const cast = await roomCast({ require_approval: false });
    const { room, owner, member, outsider } = cast;
    const m = await send(member, room.id, "first draft");
    const e1 = await edit(member, room.id, m.id, "second draft");
    const e2 = await edit(member, room.id, m.id, "final text");
    const res = await edits(owner, room.id, m.id);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toEqual([
      { version: 1, content_text: "first draft", at: m.sent_at, current: false },
      { version: 2, content_text: "second draft", at: e1.edited_at, current: false },
      { version: 3, content_text: "final text", at: e2.edited_at, current: true },
    ]);
    await matrix(cast, { member: 200, admin: 200, owner: 200, sysadmin: 200, outsider: 403 }, (token) => api("GET", `/chat-rooms/${room.id}/messages/${m.id}/edits`, { token }));
    expectError(await edits(outsider, room.id, m.id), 403, "not_a_member");
    expectError(await edits(null, room.id, m.id), 401);
    // The message itself is unchanged by reading its history.
    expect((await api("GET", `/chat-rooms/${room.id}/messages/${m.id}`, { token: owner.token })).json.content_text).toBe("final text");
  });

  it("a message never edited has one version; versions page with after and limit", async () => {
    const { room, owner } = await roomCast({ require_approval: false });
    const plain = await send(owner, room.id, "as sent");
    expect((await edits(owner, room.id, plain.id)).json).toEqual([{ version: 1, content_text: "as sent", at: plain.sent_at, current: true }]);
    const m = await send(owner, room.id, "v1");
    for (const t of ["v2", "v3", "v4", "v5"]) await edit(owner, room.id, m.id, t);
    expect(texts(await edits(owner, room.id, m.id))).toEqual(["v1", "v2", "v3", "v4", "v5"]);
    const p1 = await edits(owner, room.id, m.id, "?limit=2");
    expect(p1.json.map((v: any) => v.version)).toEqual([1, 2]);
    expect(texts(await edits(owner, room.id, m.id, "?after=2&limit=2"))).toEqual(["v3", "v4"]);
    // The stored versions end at 4: the page after them is the current text alone.
    expect(await edits(owner, room.id, m.id, "?after=4&limit=2")).toMatchObject({ json: [{ version: 5, content_text: "v5", current: true }] });
    expect(texts(await edits(owner, room.id, m.id, "?after=3&limit=2"))).toEqual(["v4", "v5"]);
    expect((await edits(owner, room.id, m.id, "?after=5")).json).toEqual([]);
    expect((await edits(owner, room.id, m.id, "?after=99")).json).toEqual([]);
  });

  it("bad ids and queries are 400, unknown messages and rooms 404; nothing is written", async () => {
    const { room, owner, member } = await roomCast({ require_approval: false });
    const m = await send(member, room.id, "keep me");
    await edit(member, room.id, m.id, "kept");
    for (const bad of ["0", "-1", "abc", "1.5", "1e3"]) expectError(await edits(owner, room.id, bad), 400, "invalid_request");
    for (const qs of ["?limit=0", "?limit=101", "?limit=x", "?after=-1", "?after=1.5"]) expectError(await edits(owner, room.id, m.id, qs), 400, "invalid_request");
    expectError(await edits(owner, room.id, 999_999), 404, "message_not_found");
    expectError(await edits(owner, 999_999, m.id), 404);
    // A failed edit keeps no version.
    expectError(await api("PATCH", `/chat-rooms/${room.id}/messages/${m.id}`, { token: owner.token, body: { content_text: "not mine" } }), 403, "not_your_message");
    expectError(await api("PATCH", `/chat-rooms/${room.id}/messages/${m.id}`, { token: member.token, body: { content_text: "   " } }), 400, "empty_message");
    expect(await storedVersions(room.id, m.id)).toEqual([{ version: 1, content_text: "keep me" }]);
  });
});

describe("edit history and the room's storage", () => {
  it("deleting a message erases its text and every earlier version from storage, search index included", async () => {
    const { room, owner, member } = await roomCast({ require_approval: false });
    const [w1, w2, w3] = [marker(), marker(), marker()];
    const other = await send(owner, room.id, "unrelated neighbour");
    const m = await send(member, room.id, `secret ${w1}`);
    // Indexed for search (a search indexes what is pending), then edited twice.
    expect((await api("GET", `/chat-rooms/${room.id}/messages/search?q=${w1}`, { token: owner.token })).json.map((x: any) => x.id)).toEqual([m.id]);
    await edit(member, room.id, m.id, `secret ${w2}`);
    await edit(member, room.id, m.id, `secret ${w3}`);
    expect(texts(await edits(owner, room.id, m.id))).toEqual([`secret ${w1}`, `secret ${w2}`, `secret ${w3}`]);
    // Before: every version is somewhere in storage (so the check below can see text when it is there).
    const before = await leftovers(room.id, [w1, w2, w3]);
    expect(before.some((f) => f.startsWith("message_edits."))).toBe(true);
    expect(before.some((f) => f.startsWith("messages."))).toBe(true);
    expect(before.some((f) => f.startsWith("messages_fts_"))).toBe(true);

    expect((await api("DELETE", `/chat-rooms/${room.id}/messages/${m.id}`, { token: member.token })).status).toBe(204);
    expect(await leftovers(room.id, [w1, w2, w3])).toEqual([]);
    expect(await storedVersions(room.id, m.id)).toEqual([]);
    expectError(await edits(owner, room.id, m.id), 404, "message_not_found");
    // The index still agrees with the log, and the rest of the room is untouched.
    await runInDurableObject(roomStub(env, room.id), (_i: Room, state) => state.storage.sql.exec("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"));
    expect(texts(await edits(owner, room.id, other.id))).toEqual(["unrelated neighbour"]);
  });

  it("retention pruning takes the versions of what it prunes; clear-history hides them from the one who cleared", async () => {
    const { room, owner, member } = await roomCast({ require_approval: false });
    const old = await send(member, room.id, "old v1");
    await edit(member, room.id, old.id, "old v2");
    const kept = await send(member, room.id, "kept v1");
    await edit(member, room.id, kept.id, "kept v2");
    expect(await storedVersions(room.id, old.id)).toHaveLength(1);
    await runInDurableObject(roomStub(env, room.id), (instance: Room) => instance.prune(1));
    expect(await storedVersions(room.id, old.id)).toEqual([]);
    expectError(await edits(owner, room.id, old.id), 404, "message_not_found");
    expect(texts(await edits(owner, room.id, kept.id))).toEqual(["kept v1", "kept v2"]);

    expect((await api("POST", `/chat-rooms/${room.id}/clear-history`, { token: member.token })).status).toBe(200);
    expectError(await edits(member, room.id, kept.id), 404, "message_not_found");
    expect(texts(await edits(owner, room.id, kept.id))).toEqual(["kept v1", "kept v2"]);
    // A message after the clear has its history for everyone.
    const fresh = await send(owner, room.id, "fresh v1");
    await edit(owner, room.id, fresh.id, "fresh v2");
    expect(texts(await edits(member, room.id, fresh.id))).toEqual(["fresh v1", "fresh v2"]);
  });
});
