// Removal felt at once (issue 21): before the server closes a socket for a reason its user should
// see, it sends a `closing` frame naming why, then closes with the code of today. The client
// package acts on that frame at once, without waiting for a close event that the runtime may
// deliver seconds later (here withheld altogether: network.lateClose), and document 001's socket
// gets it as its own error frame.
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { CloseInfo } from "../client/src/index";
import { UserServerFrame } from "../src/realtime/protocol";
import { ServerFrame } from "../src/room/protocol";
import { api, BASE, createRoom, join, registerUser, type TestUser } from "./helpers";
import { kitClient, network } from "./client-socket";
import { Client, connect } from "./ws";

afterEach(() => {
  network.lateClose = false;
});

async function roomWithMember() {
  const owner = await registerUser("clo");
  const member = await registerUser("clm");
  const room = await createRoom(owner, { require_approval: false });
  await join(room, owner, member);
  return { owner, member, room };
}

/** A room connection of the client package for `user`, open; `fresh` answers a 4001's request for a new token. */
async function openRoom(user: TestUser, roomId: number, fresh: () => string | null | Promise<string | null> = () => null) {
  const chat = kitClient({ auth: { token: (o) => (o?.fresh ? fresh() : user.token) } });
  const conn = chat.room(roomId);
  await until(() => conn.state === "open", "the room connection to open");
  return { chat, conn };
}

async function until<T>(f: () => T | undefined | false, what: string, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs `act` and resolves with the connection's `closed` event and how long after `act` began it came. */
async function closedAfter(conn: { once: (event: "closed") => Promise<CloseInfo> }, act: () => Promise<unknown>) {
  const closed = conn.once("closed");
  const started = Date.now();
  await act();
  const info = await Promise.race([closed, new Promise<never>((_, no) => setTimeout(() => no(new Error("no closed event within 5 s")), 5_000))]);
  return { info, ms: Date.now() - started };
}

/** The closing frame a raw socket got, checked to be its last frame and to name the close that followed. */
async function lastWords(c: Client, parse: (f: unknown) => boolean = (f) => ServerFrame.safeParse(f).success) {
  const close = await c.waitClosed();
  const last = c.frames[c.frames.length - 1];
  expect(last?.type, JSON.stringify(c.frames.slice(-3))).toBe("closing");
  expect(parse(last), JSON.stringify(last)).toBe(true);
  expect(close).toEqual({ code: last.code, reason: last.reason });
  return last;
}

describe("the client package stops at the closing frame, without a close event", () => {
  it("a removed member's client stops, says why, within 1 s, and never reconnects", async () => {
    const { owner, member, room } = await roomWithMember();
    const { conn } = await openRoom(member, room.id);
    network.lateClose = true;
    const { info, ms } = await closedAfter(conn, () => api("DELETE", `/chat-rooms/${room.id}/members/${member.id}`, { token: owner.token }));
    expect(info).toEqual({ code: 4003, reason: "removed from the room", cause: "removed", kind: "removed" });
    expect(ms).toBeLessThan(1000);
    expect(conn.state).toBe("closed");
    await expect(conn.send({ content_text: "too late" })).rejects.toThrow(/closed/);
    const opened = network.opened;
    await new Promise((r) => setTimeout(r, 200));
    expect(network.opened).toBe(opened);
  });

  it("a banned member's client, and every client of a deleted room, stop within 1 s and say why", async () => {
    const { owner, member, room } = await roomWithMember();
    const banned = (await openRoom(member, room.id)).conn;
    network.lateClose = true;
    const ban = await closedAfter(banned, () => api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: { user_id: member.id } }));
    expect(ban.info).toMatchObject({ code: 4003, cause: "removed", kind: "banned" });
    expect(ban.ms).toBeLessThan(1000);

    network.lateClose = false;
    const other = await registerUser("clx");
    await join(room, owner, other);
    const [mine, theirs] = [(await openRoom(owner, room.id)).conn, (await openRoom(other, room.id)).conn];
    network.lateClose = true;
    const both = Promise.all([mine.once("closed"), theirs.once("closed")]);
    const started = Date.now();
    expect((await api("DELETE", `/chatrooms/${room.id}`, { token: owner.token })).status).toBe(204);
    for (const info of await both) expect(info).toEqual({ code: 4004, reason: "room deleted", cause: "gone", kind: "room_deleted" });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("a session ended: with no fresh token to be had, the room and user connections stop within 1 s (session_ended)", async () => {
    const { member, room } = await roomWithMember();
    const { chat, conn } = await openRoom(member, room.id);
    const user = chat.user();
    await until(() => user.state === "open", "the user connection to open");
    network.lateClose = true;
    const userClosed = user.once("closed");
    const { info, ms } = await closedAfter(conn, () => api("POST", "/auth/logout", { token: member.token }));
    expect(info).toEqual({ code: 4001, reason: "no token", cause: "unauthorized", kind: "session_ended" });
    expect(ms).toBeLessThan(1000);
    expect(await userClosed).toMatchObject({ cause: "unauthorized", kind: "session_ended" });
  });

  it("session_ended is not final when a fresh token comes: the client reconnects with it at once", async () => {
    const { member, room } = await roomWithMember();
    let change: Promise<{ status: number; json: any }> | undefined;
    // The new token comes with the answer to the change, which the closing frame may overtake.
    const { conn } = await openRoom(member, room.id, async () => (await change)?.json.access_token ?? null);
    const opened = network.opened;
    network.lateClose = true;
    change = api("POST", "/users/me/password", { token: member.token, body: { old_password: "password123", new_password: "changed-pass-1" } });
    expect((await change).status).toBe(200);
    // Its old socket never reports a close; the frame alone moved it to a new one.
    await until(() => network.opened > opened && conn.state === "open", "a reconnect with the fresh token", 1000);
    expect(conn.state).toBe("open");
    conn.close();
  });
});

describe("every server-side close a user should hear of is announced by its frame, the last before the close", () => {
  it("removed, left, banned: the member's sockets hear it, the others see them leave", async () => {
    const { owner, member, room } = await roomWithMember();
    const watcher = await connect(room.id, owner.token);
    const cases: [string, () => Promise<{ status: number }>][] = [
      ["removed", () => api("DELETE", `/chat-rooms/${room.id}/members/${member.id}`, { token: owner.token })],
      ["left", () => api("POST", `/chat-rooms/${room.id}/leave`, { token: member.token })],
      ["banned", () => api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: { user_id: member.id } })],
    ];
    for (const [kind, act] of cases) {
      if (kind !== "removed") await join(room, owner, member);
      const tabs = [await connect(room.id, member.token), await connect(room.id, member.token)];
      const from = watcher.frames.length;
      expect((await act()).status).toBeLessThan(300);
      for (const tab of tabs) expect(await lastWords(tab)).toMatchObject({ kind, code: 4003 });
      await watcher.next("user_leave", (f) => f.user.id === member.id, from);
    }
    expect(watcher.of("closing")).toEqual([]);
    watcher.close();
  });

  it("room deleted: every socket hears room_deleted, then 4004", async () => {
    const { owner, member, room } = await roomWithMember();
    const socks = [await connect(room.id, owner.token), await connect(room.id, member.token)];
    expect((await api("DELETE", `/chatrooms/${room.id}`, { token: owner.token })).status).toBe(204);
    for (const s of socks) expect(await lastWords(s)).toEqual({ type: "closing", kind: "room_deleted", code: 4004, reason: "room deleted" });
  });

  it("session ended and account deleted: the room socket and the user's own socket hear it", async () => {
    const { member, room } = await roomWithMember();
    const hubSocket = async (token: string) => {
      const up = await exports.default.fetch(`${BASE}/realtime/ws?token=${token}`, { headers: { Upgrade: "websocket" } });
      const c = new Client(up.webSocket!);
      await c.next("connection_established");
      return c;
    };
    const userFrame = (f: unknown) => UserServerFrame.safeParse(f).success;
    let [inRoom, own] = [await connect(room.id, member.token), await hubSocket(member.token)];
    expect((await api("POST", "/auth/logout", { token: member.token })).status).toBe(204);
    expect(await lastWords(inRoom)).toEqual({ type: "closing", kind: "session_ended", code: 4001, reason: "signed out" });
    expect(await lastWords(own, userFrame)).toMatchObject({ kind: "session_ended", code: 4001 });

    const again = await api("POST", "/auth/login", { body: { username: member.username, password: "password123" } });
    [inRoom, own] = [await connect(room.id, again.json.access_token), await hubSocket(again.json.access_token)];
    expect((await api("DELETE", "/users/me", { token: again.json.access_token, body: { password: "password123" } })).status).toBe(204);
    expect(await lastWords(inRoom)).toMatchObject({ kind: "account_deleted", code: 4003 });
    expect(await lastWords(own, userFrame)).toMatchObject({ kind: "account_deleted", code: 4003 });
  });

  it("document 001's socket gets it as its own error frame ({type: error, message}), then the close", async () => {
    const { owner, member, room } = await roomWithMember();
    const c = await connect(room.id, member.token, "", `${BASE.replace("/api/v1", "")}/ws/chat/${room.id}/`);
    expect((await api("DELETE", `/chat-rooms/${room.id}/members/${member.id}`, { token: owner.token })).status).toBe(204);
    const close = await c.waitClosed();
    expect(c.frames[c.frames.length - 1]).toEqual({ type: "error", message: "removed from the room", code: "removed" });
    expect(close).toEqual({ code: 4003, reason: "removed from the room" });
    expect(c.of("closing")).toEqual([]);
  });
});
