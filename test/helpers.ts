// Test helpers: HTTP through the worker's own fetch handler (exports.default), users and rooms.
import { env, exports } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { roomStub } from "../src/room/client";
import type { Room } from "../src/room/room";
import { expect } from "vitest";

export const BASE = "http://edge.test/api/v1";

type Opts = { token?: string; body?: unknown; headers?: Record<string, string>; raw?: BodyInit };

export async function api(method: string, path: string, opts: Opts = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["Content-Type"] ??= "application/json";
  }
  const res = await exports.default.fetch(path.startsWith("http") ? path : `${BASE}${path}`, { method, headers, body });
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

/** Asserts an error response: status, code, and the {detail, code} shape. */
export function expectError(res: { status: number; json: any }, status: number, code?: string) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(typeof res.json?.detail).toBe("string");
  expect(typeof res.json?.code).toBe("string");
  if (code) expect(res.json.code).toBe(code);
}

/**
 * "A second passes" for a room: its pending summary write falls due, and its alarm runs now.
 * Returns whether an alarm was scheduled (runDurableObjectAlarm's answer).
 */
export async function flushRoom(roomId: number) {
  const stub = roomStub(env, roomId);
  await runInDurableObject(stub, (_room, state) => {
    state.storage.sql.exec("UPDATE meta SET value = '0' WHERE key = 'summary_due'");
  });
  return runDurableObjectAlarm(stub);
}

let seq = 0;
export const uniq = (prefix: string) => `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}`;

export type TestUser = { token: string; id: number; username: string };

export async function registerUser(prefix = "u", extra: Record<string, unknown> = {}): Promise<TestUser> {
  const username = uniq(prefix);
  const res = await api("POST", "/auth/register", { body: { username, password: "password123", ...extra } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return { token: res.json.access_token, id: res.json.user.id, username };
}

export async function makeAdmin(user: TestUser) {
  const { env } = await import("cloudflare:workers");
  await env.DB.prepare("UPDATE users SET is_admin = 1 WHERE id = ?").bind(user.id).run();
}

export async function createRoom(owner: TestUser, body: Record<string, unknown> = {}) {
  const res = await api("POST", "/chat-rooms/", { token: owner.token, body: { name: uniq("room"), ...body } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as { id: number; name: string; [k: string]: any };
}

/**
 * Adds `user` to the room through the real join flow (auto-approved room or owner approval); a
 * private room takes an invitation from its owner instead (join requests there are 403).
 */
export async function join(room: { id: number; visibility?: string }, owner: TestUser, user: TestUser) {
  if (room.visibility === "private") {
    const invited = await api("POST", `/chat-rooms/${room.id}/invitations`, { token: owner.token, body: { user_id: user.id } });
    expect(invited.status, JSON.stringify(invited.json)).toBe(200);
    return;
  }
  const applied = await api("POST", `/chat-rooms/${room.id}/join-request`, { token: user.token, body: {} });
  expect(applied.status, JSON.stringify(applied.json)).toBe(200);
  if (applied.json.status === "pending") {
    const done = await api("POST", `/chat-rooms/join-requests/${applied.json.id}/process`, {
      token: owner.token,
      body: { status: "approved" },
    });
    expect(done.status, JSON.stringify(done.json)).toBe(200);
  }
}

/** A room that admits at once, with `n` members in all (its owner first). */
export async function roomWith(n: number, prefix = "mem") {
  const owner = await registerUser(prefix);
  const room = await createRoom(owner, { require_approval: false });
  const members: TestUser[] = [owner];
  for (let i = 1; i < n; i++) {
    const u = await registerUser(prefix);
    await join(room, owner, u);
    members.push(u);
  }
  return { room, owner, members };
}

/**
 * Runs `read` inside the room object and counts the SQL statements it makes: what "a constant
 * number of storage queries" is checked with.
 */
export function countStatements<T>(roomId: number, read: (instance: Room) => T): Promise<{ result: T; statements: number }> {
  return runInDurableObject(roomStub(env, roomId), (instance: Room, state) => {
    const sqlStorage = state.storage.sql;
    const exec = sqlStorage.exec;
    let n = 0;
    sqlStorage.exec = ((...args: Parameters<typeof exec>) => {
      n++;
      return exec.apply(sqlStorage, args);
    }) as typeof exec;
    try {
      return { result: read(instance), statements: n };
    } finally {
      sqlStorage.exec = exec;
    }
  });
}

export type Cast = { owner: TestUser; admin: TestUser; member: TestUser; outsider: TestUser; sysadmin: TestUser };

/** A room with one of each: owner, room admin, plain member, outsider and (non-member) system admin. */
export async function roomCast(body: Record<string, unknown> = {}) {
  const [owner, admin, member, outsider, sysadmin] = await Promise.all(
    ["own", "adm", "mem", "out", "sys"].map((p) => registerUser(p)),
  );
  await makeAdmin(sysadmin);
  const room = await createRoom(owner, body);
  await join(room, owner, admin);
  await join(room, owner, member);
  const promoted = await api("PUT", `/chat-rooms/${room.id}/members/${admin.id}/set-role`, { token: owner.token, body: { role: "admin" } });
  expect(promoted.status, JSON.stringify(promoted.json)).toBe(200);
  const cast: Cast = { owner, admin, member, outsider, sysadmin };
  return { room, ...cast };
}

/** Calls `call` as each role in turn (in the order given) and checks the status and error shape. */
export async function matrix(cast: Cast, expected: Partial<Record<keyof Cast, number>>, call: (token: string) => Promise<{ status: number; json: any }>) {
  for (const role of Object.keys(expected) as (keyof Cast)[]) {
    const res = await call(cast[role].token);
    expect(res.status, `${role}: ${JSON.stringify(res.json)}`).toBe(expected[role]);
    if (res.status >= 400) expectError(res, res.status);
  }
}

/** `n` users straight into D1 (no password that works): for lists of 100 ids, where registering each would be slow. */
export async function bulkUsers(n: number, prefix = "bulk"): Promise<number[]> {
  const { env } = await import("cloudflare:workers");
  const names = Array.from({ length: n }, () => uniq(prefix));
  const stmt = env.DB.prepare("INSERT INTO users (username, password_hash, password_salt, password_iterations) VALUES (?, 'x', 'x', 1) RETURNING id");
  const results = await env.DB.batch(names.map((name) => stmt.bind(name)));
  return results.map((r) => (r.results[0] as { id: number }).id);
}
