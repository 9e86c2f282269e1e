// The authorization matrix: walks every operation of the OpenAPI document and calls it as each of
// the eight kinds of caller in test/authz-table.ts; every status must be the table's, and every
// operation must have a row (and every row an operation).
//
// Calls change state (a delete removes the room, a logout ends the session), so each operation gets
// its own room and records, owned by a fresh owner; the other users are registered once and reused,
// except for operations on the caller's own account, session or social ties (/auth, /users,
// /friends), which get a whole fresh cast so that one caller's logout, password change, deletion,
// block or follow never reaches another operation.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, join, makeAdmin, registerUser, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";
import { CALLERS, MATRIX, type Caller } from "./authz-table";

/** Everyone but the owner: the callers plus the applicant (pending join request) and invitee. */
type Cast = Record<Exclude<Caller, "anonymous" | "owner">, TestUser> & { applicant: TestUser; invitee: TestUser };
type Fixture = { ids: Record<string, string>; tokens: Record<Caller, string | undefined> };

async function cast(): Promise<Cast> {
  const names = ["outsider", "member", "admin", "sysadmin", "banned", "blocked", "applicant", "invitee"] as const;
  const users = await Promise.all(names.map((n) => registerUser(n.slice(0, 3))));
  const c = Object.fromEntries(names.map((n, i) => [n, users[i]])) as Cast;
  await makeAdmin(c.sysadmin);
  // "Blocked" is blocked by the room's owner (per fixture) and by the user the /users routes target.
  const blocked = await api("POST", `/users/${c.blocked.id}/block`, { token: c.member.token });
  expect(blocked.status, JSON.stringify(blocked.json)).toBe(200);
  return c;
}

/** A fresh room of `c` with a new owner: member, room admin, pending request, invitation, message, code, file, ban, block. */
async function fixture(c: Cast): Promise<Fixture> {
  const owner = await registerUser("own");
  const room = await createRoom(owner, { require_approval: true });
  await join(room, owner, c.member);
  await join(room, owner, c.admin);
  const form = fx.multipart([{ name: "file", filename: "a.png", data: fx.png(4, 4) }, { name: "room_id", data: String(room.id) }]);
  const [promoted, pending, invited, msg, code, file, banned, blocked] = await Promise.all([
    api("PUT", `/chat-rooms/${room.id}/members/${c.admin.id}/set-role`, { token: owner.token, body: { role: "admin" } }),
    api("POST", `/chat-rooms/${room.id}/join-request`, { token: c.applicant.token, body: {} }),
    api("POST", `/chat-rooms/${room.id}/invitations`, { token: c.member.token, body: { user_id: c.invitee.id } }),
    api("POST", `/chatrooms/${room.id}/messages/`, { token: owner.token, body: { content_text: "hello" } }),
    api("POST", `/chat-rooms/${room.id}/invite-codes`, { token: owner.token, body: {} }),
    api("POST", "/files", { token: owner.token, raw: form.body, headers: { "Content-Type": form.contentType } }),
    api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: { user_id: c.banned.id } }),
    api("POST", `/users/${c.blocked.id}/block`, { token: owner.token }),
  ]);
  for (const r of [promoted, pending, invited, msg, code, file, banned, blocked]) expect(r.status, JSON.stringify(r.json)).toBeLessThan(300);
  // The owner's own notification (the join request's) and the member's own session: ids that exist.
  const note = await env.DB.prepare("SELECT id FROM notifications WHERE user_id = ? ORDER BY id LIMIT 1").bind(owner.id).first<{ id: number }>();
  const session = await env.DB.prepare("SELECT id FROM sessions WHERE user_id = ? ORDER BY rowid DESC LIMIT 1").bind(c.member.id).first<{ id: string }>();
  return {
    ids: {
      room_id: String(room.id),
      message_id: String(msg.json.id),
      // The owner's message is a thread root (with no replies yet).
      root_id: String(msg.json.id),
      member_id: String(c.member.id),
      user_id: String(c.member.id),
      request_id: String(pending.json.id),
      invitation_id: String(invited.json.id),
      code: code.json.code,
      file_id: String(file.json.id),
      emoji: encodeURIComponent("👍"),
      template_id: "1",
      notification_id: String(note?.id ?? 0),
      broadcast_id: "1",
      session_id: session?.id ?? "no-such-session",
      // Dialect paths: a conversation or group is a room; a profile is looked up by name.
      conversation_id: String(room.id),
      user_name: c.member.username,
    },
    tokens: {
      anonymous: undefined,
      outsider: c.outsider.token,
      member: c.member.token,
      admin: c.admin.token,
      owner: owner.token,
      sysadmin: c.sysadmin.token,
      banned: c.banned.token,
      blocked: c.blocked.token,
    },
  };
}

/**
 * One call as it is made for every caller: path ids from the fixture, an empty JSON body unless
 * GET/DELETE. `template` is the document's path (core routes under /api/v1, dialects at their own).
 */
async function call(method: string, template: string, f: Fixture, caller: Caller) {
  const path = "http://edge.test" + template.replace(/\{(\w+)\}/g, (_, name: string) => f.ids[name] ?? "1");
  if (/\/ws(\/|$)/.test(template)) {
    // A socket that opens is closed at once: nothing may stay connected into the next call.
    const headers: Record<string, string> = { Upgrade: "websocket" };
    const token = f.tokens[caller];
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await exports.default.fetch(path, { headers });
    if (res.webSocket) {
      res.webSocket.accept();
      res.webSocket.close(1000, "done");
      return { status: res.status, json: null };
    }
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }
  return api(method.toUpperCase(), path, { token: f.tokens[caller], ...(method === "get" || method === "delete" ? {} : { body: {} }) });
}

const personal = (op: string) => /^\w+ \/(auth|users|friends|user)\//.test(op);

describe("authorization matrix", () => {
  it("every operation answers each kind of caller as the table says", { timeout: 300_000 }, async () => {
    const doc = (await api("GET", "/openapi.json")).json as { paths: Record<string, Record<string, unknown>> };
    // Rows are keyed "method path", core paths without their /api/v1 prefix.
    const docPath: Record<string, string> = {};
    for (const [p, m] of Object.entries(doc.paths)) for (const k of Object.keys(m)) docPath[`${k} ${p.replace(/^\/api\/v1/, "")}`] = p;
    const ops = Object.keys(docPath);
    expect(ops.length).toBeGreaterThan(100);

    const shared = await cast();
    const wrong: string[] = [];
    const seen: Record<string, number[]> = {};
    const check = async (op: string) => {
      const f = await fixture(personal(op) ? await cast() : shared);
      seen[op] = [];
      for (const caller of CALLERS) {
        const res = await call(op.split(" ")[0], docPath[op], f, caller);
        seen[op].push(res.status);
        const expected = MATRIX[op]?.[caller];
        if (res.status !== expected) wrong.push(`${op} as ${caller}: ${res.status} (table: ${expected}) ${JSON.stringify(res.json)?.slice(0, 120)}`);
        // Core routes answer errors in the core envelope; dialects in their document's own.
        if (res.status >= 400 && docPath[op].startsWith("/api/v1/") && typeof res.json?.code !== "string") wrong.push(`${op} as ${caller}: no error code in ${JSON.stringify(res.json)?.slice(0, 120)}`);
      }
    };
    // Small parallel batches: each operation has its own room, so they cannot see each other.
    for (let i = 0; i < ops.length; i += 4) await Promise.all(ops.slice(i, i + 4).map(check));
    if (wrong.length) console.log(`AUTHZ-OBSERVED ${JSON.stringify(seen)}`);
    expect(ops.filter((op) => !MATRIX[op]), "operations missing from test/authz-table.ts").toEqual([]);
    expect(Object.keys(MATRIX).filter((op) => !ops.includes(op)), "rows for operations that no longer exist").toEqual([]);
    expect(wrong).toEqual([]);
  });
});
