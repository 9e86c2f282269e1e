// The room Durable Object over WebSockets: admission, fan-out, ordering, exactly-once, resume,
// typing, presence, hibernation, kicks and room deletion.
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room/client";
import type { Room } from "../src/room/room";
import { api, createRoom, expectError, join, registerUser, type TestUser } from "./helpers";
import { connect, upgrade, type Client } from "./ws";

async function roomWith(n: number) {
  const owner = await registerUser("own");
  const room = await createRoom(owner, { require_approval: false });
  const members: TestUser[] = [owner];
  for (let i = 1; i < n; i++) {
    const u = await registerUser("mem");
    await join(room, owner, u);
    members.push(u);
  }
  return { room, owner, members };
}

const texts = (c: Client) => c.of("chat_message").map((f) => f.message.content_text);

describe("admission", () => {
  it("upgrades only authenticated active members; everything else is plain HTTP", async () => {
    const { room, owner } = await roomWith(1);
    const outsider = await registerUser("out");
    const noToken = await upgrade(room.id, null);
    expect(noToken.status).toBe(401);
    expect(noToken.webSocket).toBeNull();
    expect((await upgrade(room.id, "garbage")).status).toBe(401);
    expect((await upgrade(room.id, outsider.token)).status).toBe(403);
    expect((await upgrade(999999, owner.token)).status).toBe(404);
    expect((await upgrade(room.id, owner.token, "since=-1")).status).toBe(400);
    expect((await upgrade(room.id, owner.token, "since=abc")).status).toBe(400);
    const plain = await api("GET", `/chat-rooms/${room.id}/ws`, { token: owner.token });
    expectError(plain, 426, "upgrade_required");
  });

  it("greets with connection_established and serves the /ws/chat alias", async () => {
    const { room, owner } = await roomWith(1);
    const c = await connect(room.id, owner.token, "", `http://edge.test/ws/chat/${room.id}/`);
    const hello = c.frames[0];
    expect(hello).toMatchObject({ type: "connection_established", room_id: room.id, last_message_id: 0 });
    expect(hello.user).toEqual({ id: owner.id, username: owner.username });
    expect(hello.online).toEqual([{ id: owner.id, username: owner.username }]);
    c.close();
  });
});

describe("messaging", () => {
  it("fans a socket message out to every socket, sender included, and stores it", async () => {
    const { room, members } = await roomWith(3);
    const clients = await Promise.all(members.map((m) => connect(room.id, m.token)));
    clients[0].send({ type: "chat_message", content: "hello all", client_id: "c-1" });
    for (const c of clients) {
      const f = await c.next("chat_message");
      expect(f.message).toMatchObject({ id: 1, room_id: room.id, sender_id: members[0].id, content_text: "hello all", client_id: "c-1", message_type: "text", deleted: false });
    }
    const history = await api("GET", `/chatrooms/${room.id}/messages/`, { token: members[1].token });
    expect(history.json.map((m: any) => m.content_text)).toEqual(["hello all"]);
    clients.forEach((c) => c.close());
  });
});
