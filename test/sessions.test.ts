// Sessions: short access tokens with rotating refresh tokens (reuse ends the session), logout (one,
// all, by id) that stops tokens at once and closes live sockets with 4001, legacy logins, socket
// tickets (single use, 30 s), and sockets that close when their token expires.
import { env, exports } from "cloudflare:workers";
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { api, BASE, createRoom, expectError, registerUser, uniq } from "./helpers";
import { Client, connect } from "./ws";

type Login = { access_token: string; refresh_token: string; session_id: string; expires_in: number };

async function newAccount() {
  const username = uniq("ses");
  const res = await api("POST", "/auth/register", { body: { username, password: "password123" } });
  expect(res.status).toBe(200);
  return { username, id: res.json.user.id as number, first: res.json as Login };
}
const login = async (username: string, ua = "test-agent/1") => {
  const res = await api("POST", "/auth/login", { body: { username, password: "password123" }, headers: { "User-Agent": ua } });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as Login;
};
const refresh = (token: string) => api("POST", "/auth/refresh", { body: { refresh_token: token } });
const me = (token: string) => api("GET", "/users/me", { token });

async function socketWith(path: string, query: Record<string, string>) {
  const res = await exports.default.fetch(`${BASE}${path}?${new URLSearchParams(query)}`, { headers: { Upgrade: "websocket" } });
  if (res.status !== 101 || !res.webSocket) return { status: res.status, body: await res.text() };
  const c = new Client(res.webSocket);
  await c.next("connection_established");
  return { status: 101, client: c };
}
const ticket = async (token: string) => {
  const res = await api("POST", "/auth/socket-ticket", { token });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  expect(res.json.expires_in).toBe(30);
  return res.json.ticket as string;
};

describe("refresh tokens", () => {
  it("register and login give a 15-minute access token and a refresh token; refresh rotates both", async () => {
    const { first } = await newAccount();
    expect(first.expires_in).toBe(900);
    const claims = decodeJwt(first.access_token);
    expect(claims.sid).toBe(first.session_id);
    expect(claims.exp! - claims.iat!).toBe(900);

    const r1 = await refresh(first.refresh_token);
    expect(r1.status, JSON.stringify(r1.json)).toBe(200);
    expect(r1.json).toMatchObject({ token_type: "bearer", expires_in: 900, session_id: first.session_id });
    expect(r1.json.refresh_token).not.toBe(first.refresh_token);
    expect((await me(r1.json.access_token)).status).toBe(200);
    const r2 = await refresh(r1.json.refresh_token);
    expect(r2.status).toBe(200);
    expect((await me(r2.json.access_token)).status).toBe(200);
    // Stored hashed: the table never holds a usable token.
    const stored = await env.DB.prepare("SELECT hash FROM refresh_tokens WHERE session_id = ?").bind(first.session_id).all<{ hash: string }>();
    expect(stored.results.length).toBe(3);
    for (const t of [first.refresh_token, r1.json.refresh_token, r2.json.refresh_token]) expect(stored.results.map((r) => r.hash)).not.toContain(t);
  });

  it("reusing a rotated refresh token ends the whole session (the thief's and the owner's tokens)", async () => {
    const { username, first } = await newAccount();
    const other = await login(username);
    const stolen = first.refresh_token;
    const owner = await refresh(stolen); // the owner rotates
    expect(owner.status).toBe(200);
    // The thief replays the old one: refused, and the session is over for everyone holding it.
    expectError(await refresh(stolen), 401, "refresh_token_reused");
    expectError(await me(owner.json.access_token), 401, "unauthorized");
    expectError(await me(first.access_token), 401, "unauthorized");
    expectError(await refresh(owner.json.refresh_token), 401, "invalid_refresh_token");
    // Another session of the same account is untouched.
    expect((await me(other.access_token)).status).toBe(200);
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  it("two concurrent uses of one refresh token: at most one rotates, and the session ends", async () => {
    const { first } = await newAccount();
    const [a, b] = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
    expect([a.status, b.status].sort()).toEqual([200, 401]);
    const winner = a.status === 200 ? a : b;
    expectError(await me(winner.json.access_token), 401);
  });

  it("garbage, empty and expired refresh tokens are 401/400 and end nothing", async () => {
    const { first } = await newAccount();
    expectError(await refresh("not-a-token"), 401, "invalid_refresh_token");
    expectError(await api("POST", "/auth/refresh", { body: {} }), 400, "invalid_request");
    await env.DB.prepare("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").bind(first.session_id).run();
    expectError(await refresh(first.refresh_token), 401, "invalid_refresh_token");
  });

  it("the OAuth2 form login (no refresh) keeps a 24-hour token in a legacy session", async () => {
    const { username } = await newAccount();
    const res = await api("POST", "/auth/login/access-token", {
      raw: new URLSearchParams({ username, password: "password123" }).toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: "bearer", expires_in: 86400 });
    expect(res.json).not.toHaveProperty("refresh_token");
    const sessions = await api("GET", "/auth/sessions", { token: res.json.access_token });
    expect(sessions.json.find((s: any) => s.current)).toMatchObject({ kind: "legacy" });
  });
});

describe("logout and the session list", () => {
  it("logout ends this session at once on REST and closes its live sockets (4001); other sessions go on", async () => {
    const { username, id, first } = await newAccount();
    const phone = await login(username, "phone/1");
    const room = await createRoom({ token: first.access_token, id, username });
    const mine = await connect(room.id, first.access_token);
    const theirs = await connect(room.id, phone.access_token);
    const hubMine = await socketWith("/realtime/ws", { token: first.access_token });
    expect(hubMine.status).toBe(101);

    const out = await api("POST", "/auth/logout", { token: first.access_token });
    expect(out.status).toBe(204);
    expect(await mine.waitClosed()).toMatchObject({ code: 4001 });
    expect(await hubMine.client!.waitClosed()).toMatchObject({ code: 4001 });
    expectError(await me(first.access_token), 401, "unauthorized");
    expectError(await refresh(first.refresh_token), 401, "invalid_refresh_token");
    expect((await socketWith(`/chat-rooms/${room.id}/ws`, { token: first.access_token })).status).toBe(401);
    // The phone's session and socket are untouched.
    expect(theirs.closed).toBeNull();
    theirs.send({ type: "chat_message", content_text: "still here" });
    await theirs.next("chat_message", (f) => f.message.content_text === "still here");
    expect((await me(phone.access_token)).status).toBe(200);
    theirs.close();
  });

  it("lists sessions (created, last used, user agent, current) and ends one by id; someone else's id is 404", async () => {
    const { username, first } = await newAccount();
    const laptop = await login(username, "laptop/2");
    const list = await api("GET", "/auth/sessions", { token: first.access_token });
    expect(list.status).toBe(200);
    expect(list.json).toHaveLength(2);
    const byId = Object.fromEntries(list.json.map((s: any) => [s.id, s]));
    expect(byId[first.session_id]).toMatchObject({ current: true, kind: "short" });
    expect(byId[laptop.session_id]).toMatchObject({ current: false, user_agent: "laptop/2" });
    for (const s of list.json) for (const k of ["created_at", "last_used_at", "expires_at"]) expect(s[k]).toMatch(/Z$/);

    const stranger = await registerUser("str");
    expectError(await api("DELETE", `/auth/sessions/${laptop.session_id}`, { token: stranger.token }), 404, "session_not_found");
    expect((await me(laptop.access_token)).status).toBe(200);
    expect((await api("DELETE", `/auth/sessions/${laptop.session_id}`, { token: first.access_token })).status).toBe(204);
    expectError(await me(laptop.access_token), 401);
    expect((await me(first.access_token)).status).toBe(200);
    expectError(await api("DELETE", `/auth/sessions/${laptop.session_id}`, { token: first.access_token }), 404, "session_not_found");
  });

  it("logout-all ends every session, sockets included", async () => {
    const { username, id, first } = await newAccount();
    const second = await login(username);
    const room = await createRoom({ token: first.access_token, id, username });
    const sock = await connect(room.id, second.access_token);
    expect((await api("POST", "/auth/logout-all", { token: first.access_token })).status).toBe(204);
    expect(await sock.waitClosed()).toMatchObject({ code: 4001 });
    for (const t of [first, second]) {
      expectError(await me(t.access_token), 401);
      expectError(await refresh(t.refresh_token), 401);
    }
    // The owner logs in again as usual.
    expect((await me((await login(username)).access_token)).status).toBe(200);
  });

  it("a password change ends the other sessions (a stolen refresh token too); this one goes on", async () => {
    const { username, first } = await newAccount();
    const thief = await login(username);
    const res = await api("POST", "/users/me/password", { token: first.access_token, body: { old_password: "password123", new_password: "another-pass-1" } });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.json.access_token).sid).toBe(first.session_id);
    expect((await me(res.json.access_token)).status).toBe(200);
    expectError(await refresh(thief.refresh_token), 401, "invalid_refresh_token");
    expectError(await me(thief.access_token), 401);
    expect((await refresh(first.refresh_token)).status).toBe(200);
  });

  it("last_used_at is written at most once a minute, not per request", async () => {
    const { first } = await newAccount();
    const read = async () => (await env.DB.prepare("SELECT last_used_at AS t FROM sessions WHERE id = ?").bind(first.session_id).first<{ t: string }>())!.t;
    const before = await read();
    for (let i = 0; i < 3; i++) expect((await me(first.access_token)).status).toBe(200);
    expect(await read()).toBe(before);
    await env.DB.prepare("UPDATE sessions SET last_used_at = '2020-01-01T00:00:00.000Z' WHERE id = ?").bind(first.session_id).run();
    expect((await me(first.access_token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(await read()).not.toBe("2020-01-01T00:00:00.000Z");
  });
});

describe("socket tickets", () => {
  it("a ticket opens one room socket or user socket, once; reuse, garbage and expired tickets are 401", async () => {
    const { username, id, first } = await newAccount();
    const room = await createRoom({ token: first.access_token, id, username });
    const t1 = await ticket(first.access_token);
    const room1 = await socketWith(`/chat-rooms/${room.id}/ws`, { ticket: t1 });
    expect(room1.status).toBe(101);
    const again = await socketWith(`/chat-rooms/${room.id}/ws`, { ticket: t1 });
    expect(again.status).toBe(401);
    const t2 = await ticket(first.access_token);
    const hub = await socketWith("/realtime/ws", { ticket: t2 });
    expect(hub.status).toBe(101);
    expect((await socketWith("/realtime/ws", { ticket: t2 })).status).toBe(401);
    expect((await socketWith("/realtime/ws", { ticket: "made-up" })).status).toBe(401);
    const t3 = await ticket(first.access_token);
    await env.DB.prepare("UPDATE socket_tickets SET expires_at = '2000-01-01T00:00:00.000Z' WHERE session_id = ?").bind(first.session_id).run();
    expect((await socketWith(`/chat-rooms/${room.id}/ws`, { ticket: t3 })).status).toBe(401);
    // A ticket is only for sockets: it is no bearer token.
    expectError(await me(t3), 401);
    room1.client!.close();
    hub.client!.close();
  });

  it("concurrent uses of one ticket open exactly one socket", async () => {
    const { username, id, first } = await newAccount();
    const room = await createRoom({ token: first.access_token, id, username });
    const t = await ticket(first.access_token);
    const results = await Promise.all(Array.from({ length: 5 }, () => socketWith(`/chat-rooms/${room.id}/ws`, { ticket: t })));
    expect(results.map((r) => r.status).sort()).toEqual([101, 401, 401, 401, 401]);
    for (const r of results) r.client?.close();
  });

  it("a ticket socket closes (4001) when its session is ended", async () => {
    const { username, id, first } = await newAccount();
    const room = await createRoom({ token: first.access_token, id, username });
    const sock = await socketWith(`/chat-rooms/${room.id}/ws`, { ticket: await ticket(first.access_token) });
    expect((await api("POST", "/auth/logout", { token: first.access_token })).status).toBe(204);
    expect(await sock.client!.waitClosed()).toMatchObject({ code: 4001 });
  });
});

/**
 * A frame that wakes the object holding an expired socket, so it closes it; unless it closed it
 * already (the room's alarm runs at the expiry, and a loaded machine may run it before this send).
 */
function nudge(c: Client, frame: unknown) {
  if (c.closed) return;
  try {
    c.send(frame);
  } catch (e) {
    // The close is under way, just not yet seen by this side: what the test waits for next.
    if (!/after close/i.test(String(e))) throw e;
  }
}

describe("sockets outlive no token", () => {
  it("a socket opened with a token closes with 4001 once that token has expired, and gets nothing after", async () => {
    const { username, id, first } = await newAccount();
    const room = await createRoom({ token: first.access_token, id, username });
    const exp = Math.floor(Date.now() / 1000) + 2;
    const short = await new SignJWT({ ver: 0, sid: first.session_id })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(String(id))
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(env.JWT_SECRET));
    const sock = await connect(room.id, short);
    const hub = await socketWith("/realtime/ws", { token: short });
    expect(hub.status).toBe(101);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 100));
    // A message sent by someone else meanwhile is not delivered to it.
    const before = sock.of("chat_message").length;
    expect((await api("POST", `/chatrooms/${room.id}/messages/`, { token: first.access_token, body: { content_text: "after expiry" } })).status).toBe(200);
    nudge(sock, { type: "typing", is_typing: true });
    expect(await sock.waitClosed()).toMatchObject({ code: 4001 });
    expect(sock.of("chat_message").length).toBe(before);
    nudge(hub.client!, { type: "ping2" });
    expect(await hub.client!.waitClosed()).toMatchObject({ code: 4001 });
  });
});
