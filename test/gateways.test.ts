// Users' own sockets on gateway objects (src/realtime/hub.ts, push.ts): USER_GATEWAYS is 2 in this
// project (vitest.config.ts), so a room's new messages reach 7 online members in 2 calls, not 7,
// and mentions still reach their user at once.
import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { deliverToUserSockets, gatewayOf, hubStub } from "../src/realtime/push";
import { roomStub } from "../src/room/client";
import { api, BASE, createRoom, flushRoom, join, registerUser, roomWith, type TestUser } from "./helpers";
import { Client } from "./ws";

async function own(user: TestUser) {
  const res = await exports.default.fetch(`${BASE}/realtime/ws?token=${user.token}`, { headers: { Upgrade: "websocket" } });
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status}`);
  const c = new Client(res.webSocket);
  await c.next("connection_established");
  return c;
}


describe("user gateways", () => {
  it("a user's gateway is hash(id) mod USER_GATEWAYS; each gateway holds only its users' sockets", async () => {
    const { members } = await roomWith(7);
    const sockets = await Promise.all(members.map(own));
    const gateways = new Set(members.map((u) => gatewayOf(env, u.id)));
    for (const g of gateways) expect(g).toBeLessThan(2);
    for (const u of members) {
      const held = await runInDurableObject(hubStub(env, u.id), (_h, state) => state.getWebSockets().map((ws) => (ws.deserializeAttachment() as { id: number }).id));
      expect(held).toContain(u.id);
      for (const id of held) if (members.some((m) => m.id === id)) expect(gatewayOf(env, id)).toBe(gatewayOf(env, u.id));
    }
    for (const s of sockets) s.close();
  });

  it("a room's new messages reach 7 online members in one call per gateway (2), each socket once", async () => {
    const { room, owner, members } = await roomWith(7);
    const sockets = await Promise.all(members.map(own));
    const sent = await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: "to every gateway" } });
    // The summary write hands it on (waitUntil); every member's own socket hears it once.
    await flushRoom(room.id);
    for (const s of sockets) await s.next("message", (f) => f.message.id === sent.json.id);
    // The same delivery, counted: calls = distinct gateways of the online members, not members.
    const message = (await roomStub(env, room.id).history({ limit: 10, offset: 0 })).messages.find((m) => m.id === sent.json.id)!;
    const calls = await deliverToUserSockets(env, room.id, [message]);
    expect(calls).toBe(new Set(members.map((u) => gatewayOf(env, u.id))).size);
    expect(calls).toBeLessThanOrEqual(2);
    for (const s of sockets) await s.until(() => s.of("message").length === 2, "the second delivery");
    for (const s of sockets) expect(s.of("message").map((f) => f.message.id)).toEqual([sent.json.id, sent.json.id]);
    // A member whose socket closed is no longer reached (realtime_online cleared by the gateway).
    sockets[6].close();
    await sockets[6].waitClosed();
    for (let t = 0; t < 50 && (await env.DB.prepare("SELECT realtime_online AS o FROM users WHERE id = ?").bind(members[6].id).first<{ o: number }>())!.o; t++)
      await new Promise((r) => setTimeout(r, 20));
    const others = new Set(members.slice(0, 6).map((u) => gatewayOf(env, u.id))).size;
    expect(await deliverToUserSockets(env, room.id, [message])).toBe(others);
    for (const s of sockets.slice(0, 6)) s.close();
  });

  it("a mention still reaches the mentioned user's own socket, and only theirs, with the summary write", async () => {
    const { room, owner, members } = await roomWith(4);
    const sockets = await Promise.all(members.map(own));
    const target = members[2];
    await api("POST", `/chat-rooms/${room.id}/messages`, { token: owner.token, body: { content_text: `hello @${target.username}` } });
    await flushRoom(room.id);
    const n = await sockets[2].next("notification");
    expect(n.notification).toMatchObject({ notification_type: "mention" });
    // Everyone got the message itself; nobody else got a notification.
    for (const s of sockets) await s.next("message");
    for (const s of [sockets[1], sockets[3]]) expect(s.of("notification")).toHaveLength(0);
    for (const s of sockets) s.close();
  });
});
