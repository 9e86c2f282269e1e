// The AsyncAPI document is generated from the frame schemas the room and the hub use: every frame
// type is in it, its payloads accept real frames, and the committed copy (client/asyncapi.json,
// validated with the AsyncAPI parser in client/test) is exactly what the worker serves.
import { describe, expect, it } from "vitest";
import { ClientFrame, RoomServerFrames, ServerFrame } from "../src/room/protocol";
import { UserServerFrames } from "../src/realtime/protocol";
import { api, createRoom, registerUser } from "./helpers";
import { connect } from "./ws";

describe("AsyncAPI document", () => {
  it("is served, linked from the docs, and lists every frame of both sockets", async () => {
    const res = await api("GET", "/asyncapi.json");
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.asyncapi).toBe("3.0.0");
    expect(Object.keys(doc.channels)).toEqual(["room", "user"]);
    expect(doc.channels.room.address).toBe("/api/v1/chat-rooms/{room_id}/ws");
    const names = (op: string) => doc.operations[op].messages.map((m: { $ref: string }) => doc.components.messages[m.$ref.split("/").pop()!].name);
    expect(names("roomServerFrames")).toEqual([...Object.keys(RoomServerFrames), "batch"]);
    expect(names("roomClientFrames")).toEqual(["chat_message", "typing", "ping", "read", "reaction"]);
    expect(names("userServerFrames")).toEqual(Object.keys(UserServerFrames));
    expect(doc.operations.roomServerFrames.action).toBe("send");
    // Shared shapes are described once.
    expect(doc.components.schemas.RoomServerChatMessage.properties.message).toEqual({ $ref: "#/components/schemas/ChatMessage" });
    expect(doc.components.schemas.ChatMessage.required).toEqual(expect.arrayContaining(["id", "client_id", "sent_at", "reactions"]));

    // The JSON index lives at /api/v1 (/ is the web app).
    const front = await api("GET", "http://edge.test/api/v1");
    expect(front.json.asyncapi).toBe("/api/v1/asyncapi.json");
    const openapi = await api("GET", "/openapi.json");
    expect(openapi.json.info.description).toContain("/api/v1/asyncapi.json");
  });

  it("the schemas it is generated from parse what the room really sends, and refuse what it refuses", async () => {
    const u = await registerUser("aa");
    const room = await createRoom(u);
    const c = await connect(room.id, u.token);
    c.send({ type: "chat_message", content_text: "hi", client_id: "aa-1" });
    c.send({ type: "typing", is_typing: true });
    c.send({ type: "ping" });
    c.send({ type: "nope" });
    await c.next("chat_message");
    await c.next("error");
    for (const f of c.frames) expect(ServerFrame.safeParse(f).success, JSON.stringify(f)).toBe(true);
    expect(ClientFrame.safeParse({ type: "chat_message", content_text: "x" }).success).toBe(true);
    expect(ClientFrame.safeParse({ type: "nope" }).success).toBe(false);
    expect(ServerFrame.safeParse({ type: "chat_message", message: { id: 1 } }).success).toBe(false);
    c.close();
  });

  it("the committed client/asyncapi.json is the served document", async () => {
    const res = await api("GET", "/asyncapi.json");
    await expect(`${JSON.stringify(res.json, null, 2)}\n`).toMatchFileSnapshot("../client/asyncapi.json");
  });
});
