// The client library's own cost per delivered message, in Node: a local `ws` server (no worker:
// the server's cost is bench/ws-load.mjs's subject) streams N chat_message frames, singly or in
// batch frames, to (a) a raw `ws` socket that only JSON.parses each frame, and (b) the client
// (client/dist, built by `npm run client:build`) with `ws` as its injected WebSocket, which also
// validates every frame with the server's zod schema, dedupes, orders and emits a typed event.
// Reports frames/s and messages/s for each, and the client's overhead in µs per message.
// Usage: node bench/client-overhead.mjs [--messages 50000] [--batch 0|50] [--rounds 3]
import { WebSocketServer, WebSocket } from "ws";
import { createChatClient } from "../client/dist/edge-chat-client.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg("messages", 50_000);
const BATCH = arg("batch", 0);
const ROUNDS = arg("rounds", 3);

const message = (id) => ({
  id, room_id: 1, sender_id: 2, sender_name: "bob", content_text: `message number ${id} with some ordinary chat text`,
  message_type: "text", media_url: null, file_id: null, file_name: null, file_size: null, content_type: null, width: null,
  height: null, media_removed: false, location: null, reply_to_id: null, reply_to: null, reply_count: 0, reactions: [],
  client_id: `c-${id}`, sent_at: "2026-12-03T12:00:00.000Z", edited_at: null, deleted: false,
});
// Serialized once: the server's cost is not measured here.
const frames = [];
for (let id = 1; id <= N; ) {
  if (BATCH > 1) {
    const group = [];
    for (let k = 0; k < BATCH && id <= N; k++) group.push({ type: "chat_message", message: message(id++) });
    frames.push(JSON.stringify({ type: "batch", frames: group }));
  } else frames.push(JSON.stringify({ type: "chat_message", message: message(id++) }));
}
const hello = JSON.stringify({ type: "connection_established", message: "connected", room_id: 1, user: { id: 1, username: "alice" }, last_message_id: 0, oldest_message_id: 0, online: [] });

const wss = new WebSocketServer({ port: 0 });
wss.on("connection", (ws) => {
  ws.send(hello);
  // Written in chunks, yielding, so the socket buffer never holds the whole run.
  let i = 0;
  const pump = () => {
    while (i < frames.length && ws.bufferedAmount < 4 << 20) ws.send(frames[i++]);
    if (i < frames.length) setImmediate(pump);
  };
  setImmediate(pump);
});
await new Promise((r) => wss.on("listening", r));
const url = `ws://127.0.0.1:${wss.address().port}`;

function raw() {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}/api/v1/chat-rooms/1/ws`);
    let got = 0;
    let start = 0;
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === "connection_established") return void (start = performance.now());
      got += f.type === "batch" ? f.frames.length : 1;
      if (got >= N) {
        const ms = performance.now() - start;
        ws.close();
        resolve(ms);
      }
    });
  });
}

function viaClient() {
  return new Promise((resolve) => {
    const chat = createChatClient({ baseUrl: url.replace("ws", "http"), WebSocket, auth: { token: () => "t" } });
    const room = chat.room(1, { batch: BATCH > 1 });
    let got = 0;
    let start = 0;
    room.on("connection_established", () => (start = performance.now()));
    room.on("chat_message", () => {
      if (++got === N) {
        const ms = performance.now() - start;
        room.close();
        resolve(ms);
      }
    });
  });
}

const results = { raw: [], client: [] };
for (let r = 0; r < ROUNDS; r++) {
  results.raw.push(await raw());
  results.client.push(await viaClient());
}
const best = (xs) => Math.min(...xs);
const rawMs = best(results.raw);
const clientMs = best(results.client);
const perFrame = BATCH > 1 ? BATCH : 1;
const row = (ms) => ({ ms: +ms.toFixed(1), messages_per_s: Math.round((N / ms) * 1000), frames_per_s: Math.round((N / perFrame / ms) * 1000) });
console.log(
  JSON.stringify(
    {
      node: process.version,
      messages: N,
      batch: BATCH > 1 ? BATCH : null,
      rounds: ROUNDS,
      raw_ws: row(rawMs),
      client: row(clientMs),
      client_overhead_us_per_message: +(((clientMs - rawMs) * 1000) / N).toFixed(2),
    },
    null,
    2,
  ),
);
wss.close();
process.exit(0);
