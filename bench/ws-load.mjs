// Room load benchmark: N WebSocket clients in one room, one sender at a fixed rate, then a burst.
// Reports connect time, send->receive latency p50/p95/p99, deliveries per second and lost messages.
//
//   npm run dev -- --var RATE_LIMIT_PER_SECOND:100000 --var RATE_LIMIT_BURST:100000   (terminal 1)
//   npm run bench -- --clients 1,10,100,500 --rate 50 --seconds 10 --burst 200        (terminal 2)
//
// --thread: every message is a reply in one thread (a root posted first), to compare thread
// fan-out with plain sends (docs/threads.md).
//
// BENCH_URL (default http://127.0.0.1:8787) points it at any deployment. Every loop is bounded.

import fs from "node:fs";
import { call as api, parseArgs } from "./lib.mjs";

const args = parseArgs();
const BASE = (process.env.BENCH_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const CLIENTS = (args.clients ?? "1,10,100,500").split(",").map(Number);
const RATE = Number(args.rate ?? 50);
const SECONDS = Number(args.seconds ?? 10);
const BURST = Number(args.burst ?? 200);
const CONCURRENCY = Number(args.concurrency ?? 16);
/** Quiet time (no frame to any client) that ends the join storm before the steady phase. */
const QUIET_MS = Number(args.quiet ?? 300);
const THREAD = "thread" in args;
let lastFrameAt = 0;
const run = Date.now().toString(36);
// Browsers offer permessage-deflate; BENCH_DEFLATE=1 makes the load generator offer it too.
const { WebSocket: WS } = await import("ws");
// BENCH_BATCH=1: clients opt into batch frames (several queued messages in one frame).
const BATCH = process.env.BENCH_BATCH === "1";
const openSocket = (url) => new WS(url, { perMessageDeflate: process.env.BENCH_DEFLATE === "1" });

const call = (method, path, token, body) => api(BASE, method, path, token, body);

/**
 * CPU ticks (user + system) of every local workerd process, by pid: the server's share of the cores
 * next to the generator's own. Empty where /proc is not there (another OS, a remote BENCH_URL).
 */
function workerdTicks() {
  const out = new Map();
  let pids = [];
  try {
    pids = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      if (stat.slice(stat.indexOf("(") + 1, close) !== "workerd") continue;
      const f = stat.slice(close + 2).split(" ");
      out.set(pid, Number(f[11]) + Number(f[12]));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return out;
}
const TICKS_PER_S = 100;

async function pool(n, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : "n/a");

async function scenario(n) {
  const users = await pool(n, (i) => call("POST", "/auth/register", null, { username: `b${run}n${n}u${i}`, password: "bench-password" }));
  const owner = users[0];
  const room = await call("POST", "/chat-rooms/", owner.access_token, { name: `bench-${run}-${n}`, require_approval: false });
  await pool(n - 1, (i) => call("POST", `/chat-rooms/${room.id}/join-request`, users[i + 1].access_token, {}));
  // Sent before the sockets open, so no client counts it as a measured message.
  const root = THREAD ? await call("POST", `/chat-rooms/${room.id}/messages`, owner.access_token, { content_text: "bench thread root" }) : null;
  const inThread = root ? { thread_id: root.id } : {};

  const wsBase = BASE.replace(/^http/, "ws");
  const total = Math.round(RATE * SECONDS);
  const clients = [];
  const connectTimes = [];
  const t0 = performance.now();
  await pool(n, async (i) => {
    const started = performance.now();
    const ws = openSocket(`${wsBase}/api/v1/chat-rooms/${room.id}/ws?token=${users[i].access_token}${BATCH ? "&batch=1" : ""}`);
    const client = { ws, seen: { steady: new Uint8Array(total), burst: new Uint8Array(BURST) }, count: { steady: 0, burst: 0 }, dupes: 0, frames: 0, latencies: new Float64Array(total), measured: 0 };
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("connect timeout")), 30_000);
      ws.addEventListener("message", (e) => {
        const now = performance.now();
        lastFrameAt = now;
        const data = String(e.data);
        // The load generator shares the machine's two cores with the server: read only what it needs
        // (the marker in content_text) instead of parsing every frame.
        // A `batch` frame (clients that connect with ?batch=1) carries several messages.
        if (data.startsWith('{"type":"chat_message"') || data.startsWith('{"type":"batch"')) {
          client.frames++;
          for (let at = data.indexOf('"content_text":"'); at >= 0; at = data.indexOf('"content_text":"', at + 16)) {
            const end = data.indexOf('"', at + 16);
            const [phase, seq, sentAt] = data.slice(at + 16, end).split(":");
            const seen = client.seen[phase];
            if (!seen) continue;
            if (seen[seq]) client.dupes++;
            else {
              seen[seq] = 1;
              client.count[phase]++;
            }
            // Preallocated: the load generator's own garbage collections would show up as latency.
            if (phase === "steady" && client.measured < total) client.latencies[client.measured++] = now - Number(sentAt);
          }
          client.lastAt = now;
        } else if (data.startsWith('{"type":"connection_established"')) {
          clearTimeout(timer);
          connectTimes.push(now - started);
          resolve();
        }
      });
      ws.addEventListener("error", () => reject(new Error("socket error")));
    });
    clients[i] = client;
  });
  const connectAll = performance.now() - t0;
  // Every join is announced to everyone already in the room (n²/2 user_join frames: 125 000 at 500
  // clients). Measure steady state after that storm has drained, not while it still queues.
  const drainStart = performance.now();
  while (performance.now() - lastFrameAt < QUIET_MS && performance.now() - drainStart < 30_000) await new Promise((r) => setTimeout(r, 20));
  const joinDrain = performance.now() - drainStart;

  // Steady: one sender at RATE messages/s for SECONDS.
  const cpu0 = process.cpuUsage();
  const ticks0 = workerdTicks();
  const sender = clients[0].ws;
  const interval = 1000 / RATE;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sender.send(JSON.stringify({ type: "chat_message", content_text: `steady:${i}:${performance.now()}`, client_id: `s${i}`, ...inThread }));
  }
  await settle(clients, (c) => countPhase(c, "steady") >= total, 15_000);
  const latencies = new Float64Array(clients.reduce((acc, c) => acc + c.measured, 0));
  clients.reduce((at, c) => (latencies.set(c.latencies.subarray(0, c.measured), at), at + c.measured), 0);
  latencies.sort();
  const steadyLost = clients.reduce((acc, c) => acc + (total - countPhase(c, "steady")), 0);

  // Burst: BURST messages as fast as the socket takes them.
  const burstStart = performance.now();
  for (let i = 0; i < BURST; i++) sender.send(JSON.stringify({ type: "chat_message", content_text: `burst:${i}:0`, client_id: `b${i}`, ...inThread }));
  await settle(clients, (c) => countPhase(c, "burst") >= BURST, 60_000);
  const burstEnd = Math.max(...clients.map((c) => c.lastAt ?? burstStart));
  const burstDelivered = clients.reduce((acc, c) => acc + countPhase(c, "burst"), 0);
  const burstLost = n * BURST - burstDelivered;

  const cpu = process.cpuUsage(cpu0);
  const ticks = [...workerdTicks()].map(([pid, t]) => t - (ticks0.get(pid) ?? t)).filter((t) => t > 0).sort((a, b) => b - a);
  const measured = (performance.now() - start) / 1000;
  for (const c of clients) c.ws.close(1000);
  connectTimes.sort((a, b) => a - b);
  return {
    clients: n,
    connect_p50: ms(pct(connectTimes, 50)),
    connect_p99: ms(pct(connectTimes, 99)),
    connect_all: ms(connectAll),
    join_drain: ms(joinDrain),
    steady: `${total} msgs @ ${RATE}/s`,
    latency_p50: ms(pct(latencies, 50)),
    latency_p95: ms(pct(latencies, 95)),
    latency_p99: ms(pct(latencies, 99)),
    steady_lost: steadyLost,
    burst_deliveries_per_s: Math.round(burstDelivered / ((burstEnd - burstStart) / 1000)),
    burst_lost: burstLost,
    duplicates: clients.reduce((acc, c) => acc + c.dupes, 0),
    // The load generator's own CPU over the steady phase and the burst, as a share of one core.
    // Each local workerd process (the room's runtime and wrangler's proxy), busiest first.
    workerd_cpu: ticks.map((t) => `${Math.round((t / TICKS_PER_S / measured) * 100)} %`).join(", ") || "n/a",
    generator_cpu: `${Math.round(((cpu.user + cpu.system) / 1e6 / measured) * 100)} %`,
    messages_per_frame: Number(((n * (total + BURST) - steadyLost - burstLost) / clients.reduce((acc, c) => acc + c.frames, 0)).toFixed(2)),
  };
}

const countPhase = (c, phase) => c.count[phase];

async function settle(clients, done, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && !clients.every(done)) await new Promise((r) => setTimeout(r, 20));
}

const results = [];
for (const n of CLIENTS) {
  process.stderr.write(`running ${n} clients...\n`);
  results.push(await scenario(n));
}
console.table(results);
console.log(JSON.stringify(results, null, 2));
process.exit(0);
