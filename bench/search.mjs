// Message search benchmark: fills one room with N messages over a WebSocket, then times
// GET /chat-rooms/{id}/messages/search end to end (HTTP, auth and membership check included) for
// words of different frequencies, CJK, filters and deep pages.
//
//   flock /tmp/test.lock env BENCH_SCRIPT=bench/search.mjs bench/run.sh --messages 100000
//
// BENCH_URL (default http://127.0.0.1:8787) points it at a running server with the rate limit lifted.

import { call as api, parseArgs } from "./lib.mjs";

const args = parseArgs();
const BASE = (process.env.BENCH_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const N = Number(args.messages ?? 100_000);
const REPEAT = Number(args.repeat ?? 20);
const CHUNK = 500;
const { WebSocket: WS } = await import("ws");

const call = (method, path, token, body) => api(BASE, method, path, token, body);

const topics = ["budget", "roadmap", "hiring", "lunch", "release", "incident", "design", "travel", "review", "party"];
const cjk = ["今天天气预报说有雨", "我们明天开会讨论预算", "周末一起去公园散步", "这个版本修复了很多问题", "请把文件发给我", "晚上吃火锅吗", "项目进度很顺利"];
/** Message i: "message" in all, one topic word in 10 %, "needle" in 0.1 %, one CJK sentence in 1/7. */
const text = (i) => `message ${i} about ${topics[i % topics.length]}${i % 1000 === 7 ? " needle" : ""} ${cjk[i % cjk.length]}`;

const run = Date.now().toString(36);
const [owner, other] = await Promise.all(
  ["a", "b"].map((s) => call("POST", "/auth/register", null, { username: `srch${run}${s}`, password: "bench-password" })),
);
const room = await call("POST", "/chat-rooms/", owner.access_token, { name: `search-${run}`, require_approval: false });
await call("POST", `/chat-rooms/${room.id}/join-request`, other.access_token, {});

// Fill: CHUNK frames at a time, waiting for the room's echo of the chunk's last one.
async function fill(user, from, to, step) {
  const ws = new WS(`${BASE.replace(/^http/, "ws")}/api/v1/chat-rooms/${room.id}/ws?token=${user.access_token}`);
  await new Promise((resolve, reject) => {
    ws.on("message", (d) => String(d).startsWith('{"type":"connection_established"') && resolve());
    ws.on("error", reject);
  });
  let waiting = null;
  ws.on("message", (d) => {
    const s = String(d);
    if (waiting && s.includes(`"client_id":"${waiting.id}"`)) waiting.resolve();
  });
  const mine = [];
  for (let i = from; i < to; i += step) mine.push(i);
  for (let c = 0; c < mine.length; c += CHUNK) {
    const part = mine.slice(c, c + CHUNK);
    const done = new Promise((resolve) => (waiting = { id: `f${part.at(-1)}`, resolve }));
    for (const i of part) ws.send(JSON.stringify({ type: "chat_message", content_text: text(i), client_id: `f${i}` }));
    await done;
  }
  ws.close();
}
const t0 = performance.now();
await fill(owner, 0, N, 1);
const fillSeconds = (performance.now() - t0) / 1000;
const middle = (await call("GET", `/chat-rooms/${room.id}/messages?limit=1&before=${Math.floor(N / 2)}`, owner.access_token))[0];
// A second sender with 200 messages, for the sender filter.
await fill(other, 0, 200, 1);

const q = (params) => `/chat-rooms/${room.id}/messages/search?${new URLSearchParams(params)}`;
const queries = {
  "first search after the fill (index catch-up)": q({ q: "zebra-crossing" }),
  "word in every message": q({ q: "message" }),
  "word in 10 %": q({ q: "budget" }),
  "word in 0.1 %": q({ q: "needle" }),
  "two words (every AND 10 %)": q({ q: "message budget" }),
  "no match": q({ q: "zebra-crossing" }),
  "CJK, 4 characters": q({ q: "天气预报" }),
  "CJK, 2 characters (LIKE)": q({ q: "火锅" }),
  "word in every message, page at the middle": q({ q: "message", before: String(Math.floor(N / 2)) }),
  "word in 10 %, second sender only": q({ q: "budget", sender_id: String(other.user.id) }),
  "word in 10 %, since the middle": q({ q: "budget", since: middle.sent_at }),
  "sender only, no words": q({ sender_id: String(other.user.id) }),
};
const results = [];
for (const [name, path] of Object.entries(queries)) {
  const times = [];
  let found = 0;
  const repeat = name.startsWith("first") ? 1 : REPEAT;
  for (let i = 0; i < repeat; i++) {
    const s = performance.now();
    found = (await call("GET", path, owner.access_token)).length;
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  results.push({ query: name, found, p50_ms: Number(times[Math.floor(times.length / 2)].toFixed(1)), max_ms: Number(times.at(-1).toFixed(1)) });
}
// For scale: a history page through the same stack.
const h = [];
for (let i = 0; i < REPEAT; i++) {
  const s = performance.now();
  await call("GET", `/chat-rooms/${room.id}/messages?limit=20`, owner.access_token);
  h.push(performance.now() - s);
}
h.sort((a, b) => a - b);
results.push({ query: "(history page of 20, for scale)", found: 20, p50_ms: Number(h[Math.floor(h.length / 2)].toFixed(1)), max_ms: Number(h.at(-1).toFixed(1)) });
console.log(`filled ${N} messages in ${fillSeconds.toFixed(1)} s (${Math.round(N / fillSeconds)} msg/s)`);
console.table(results);
process.exit(0);
