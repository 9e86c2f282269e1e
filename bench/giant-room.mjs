// Giant room benchmark (issue 22): N WebSocket clients in one room, connecting `--wave` at a time,
// one sender at a fixed rate. Past RELAY_SOCKETS (1 000) the room places sockets on relays, so
// this measures the relay path. Every client checks every delivery for order, loss and duplicates
// from the raw frame text (a marker in content_text, no JSON parse); a sample of `--sample`
// clients parses every frame for send->receive latency. Reports connect time, latency
// p50/p99/max (all, and split by where the socket sits: the room itself or a relay), deliveries/s,
// workerd CPU (from /proc), lost, duplicates, out-of-order.
//
//   flock /tmp/test.lock env BENCH_SCRIPT=bench/giant-room.mjs bench/run.sh --clients 2000 --rate 10 --seconds 30
//
// BENCH_URL (default http://127.0.0.1:8787) points it at any deployment. BENCH_DIRECT=1 opens the
// sockets on the local workerd's own port instead of wrangler dev's proxy (REST still goes through
// the proxy), found from /proc. Every loop is bounded.
import { call as api, parseArgs, TICKS_PER_S, workerdPorts, workerdTicks } from "./lib.mjs";

const args = parseArgs();
const BASE = (process.env.BENCH_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const WS_BASE = (process.env.BENCH_DIRECT === "1" ? await directBase() : BASE).replace(/^http/, "ws");

/** The workerd port, other than the proxy's, that answers the health check. */
async function directBase() {
  const proxy = Number(new URL(BASE).port);
  for (const port of workerdPorts().filter((p) => p !== proxy)) {
    const url = `http://127.0.0.1:${port}`;
    const ok = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) return url;
  }
  throw new Error("BENCH_DIRECT: no workerd port answers /api/v1/health");
}
const N = Number(args.clients ?? 2000);
const RATE = Number(args.rate ?? 10);
const SECONDS = Number(args.seconds ?? 30);
const WAVE = Number(args.wave ?? 200);
const SAMPLE = Number(args.sample ?? 50);
/** Sockets the room holds itself before relays take new ones (RELAY_SOCKETS of the server). */
const ROOM_HOLDS = Number(args["room-holds"] ?? 1000);
const CONCURRENCY = Number(args.concurrency ?? 16);
const { WebSocket: WS } = await import("ws");
const run = Date.now().toString(36);
const call = (method, path, token, body) => api(BASE, method, path, token, body);
const log = (s) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

async function pool(n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const ms = (x) => (Number.isFinite(x) ? Math.round(x) : null);

log(`registering ${N} users`);
const tokens = new Array(N);
await pool(N, async (i) => {
  tokens[i] = (await call("POST", "/auth/register", null, { username: `g${run}u${i}`, password: "bench-password" })).access_token;
  if (i % 1000 === 999) log(`  ${i + 1}`);
});
const room = await call("POST", "/chat-rooms/", tokens[0], { name: `giant-${run}`, require_approval: false });
log(`joining room ${room.id}`);
await pool(N - 1, (i) => call("POST", `/chat-rooms/${room.id}/join-request`, tokens[i + 1], {}));

const total = Math.round(RATE * SECONDS);
const MARK = '"content_text":"g:';
const sampleEvery = Math.max(1, Math.floor(N / SAMPLE));
const clients = [];

/** Cheap path: the seq from the marker of each message in the frame (a batch frame carries several). */
function onCheap(c, data) {
  c.bytes += data.length;
  for (let at = data.indexOf(MARK); at >= 0; at = data.indexOf(MARK, at + MARK.length)) {
    const from = at + MARK.length;
    const seq = Number(data.slice(from, data.indexOf(":", from)));
    take(c, seq);
  }
}

function take(c, seq) {
  c.delivered++;
  if (seq === c.next) c.next++;
  else if (seq < c.next) c.dupes++;
  else {
    c.disorder++;
    c.next = seq + 1;
  }
}

/** Sample path: every frame parsed, latency from the send time in the marker. */
function onSampled(c, data, now) {
  c.bytes += data.length;
  const f = JSON.parse(data);
  for (const m of f.type === "batch" ? f.frames : [f]) {
    if (m.type !== "chat_message" || !m.message.content_text?.startsWith("g:")) continue;
    const [, seq, sentAt] = m.message.content_text.split(":");
    take(c, Number(seq));
    c.latencies.push(now - Number(sentAt));
  }
}

function connect(i) {
  const started = performance.now();
  const c = { i, sampled: i % sampleEvery === 0, onRelay: i >= ROOM_HOLDS, next: 0, delivered: 0, dupes: 0, disorder: 0, bytes: 0, latencies: [], closed: false };
  return new Promise((resolve, reject) => {
    const ws = new WS(`${WS_BASE}/api/v1/chat-rooms/${room.id}/ws?token=${tokens[i]}`, { perMessageDeflate: false });
    c.ws = ws;
    const timer = setTimeout(() => reject(new Error(`connect timeout (client ${i})`)), 60_000);
    ws.on("message", (raw) => {
      const now = performance.now();
      const data = raw.toString();
      if (c.connectMs === undefined) {
        if (!data.startsWith('{"type":"connection_established"')) return;
        clearTimeout(timer);
        c.connectMs = now - started;
        return resolve(c);
      }
      if (c.sampled) onSampled(c, data, now);
      else onCheap(c, data);
    });
    ws.on("close", () => (c.closed = true));
    ws.on("error", (e) => reject(new Error(`socket ${i}: ${e.message}`)));
  });
}

log(`connecting ${N} sockets, ${WAVE} at a time`);
const t0 = performance.now();
let failed = 0;
for (let from = 0; from < N; from += WAVE) {
  const wave = await Promise.allSettled(Array.from({ length: Math.min(WAVE, N - from) }, (_, k) => connect(from + k)));
  for (const r of wave) if (r.status === "fulfilled") clients.push(r.value);
  else {
    failed++;
    if (failed <= 3) log(`  ${r.reason.message}`);
  }
  if ((from / WAVE) % 5 === 4) log(`  ${from + WAVE} (${Math.round(performance.now() - t0)} ms)`);
}
const connectAll = performance.now() - t0;
const connectTimes = clients.map((c) => c.connectMs).sort((a, b) => a - b);
log(`connected ${clients.length} in ${Math.round(connectAll)} ms (${failed} failed); steady ${total} msgs at ${RATE}/s`);
// Let the placements' presence reports and the connect storm settle before measuring.
await new Promise((r) => setTimeout(r, 3000));

const ticks0 = workerdTicks();
const cpu0 = process.cpuUsage();
const sender = clients[0].ws;
const start = performance.now();
for (let s = 0; s < total; s++) {
  const wait = start + (s * 1000) / RATE - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  sender.send(JSON.stringify({ type: "chat_message", content_text: `g:${s}:${performance.now()}`, client_id: `g${run}-${s}` }));
}
const deadline = performance.now() + 30_000;
while (performance.now() < deadline && !clients.every((c) => c.next >= total || c.closed)) await new Promise((r) => setTimeout(r, 50));
const elapsed = (performance.now() - start) / 1000;
const lastDelivery = performance.now();
const cpu = process.cpuUsage(cpu0);
const ticks = [...workerdTicks()].map(([pid, t]) => t - (ticks0.get(pid) ?? t)).filter((t) => t > 0).sort((a, b) => b - a);
const sendPhase = total / RATE;

const lat = (cs) => cs.flatMap((c) => c.latencies).sort((a, b) => a - b);
const all = lat(clients.filter((c) => c.sampled));
const onRoom = lat(clients.filter((c) => c.sampled && !c.onRelay));
const onRelay = lat(clients.filter((c) => c.sampled && c.onRelay));
const delivered = clients.reduce((a, c) => a + c.delivered - c.dupes, 0);
const lost = clients.reduce((a, c) => a + Math.max(0, total - (c.delivered - c.dupes)), 0);
const result = {
  clients: N,
  sockets_via: WS_BASE,
  connected: clients.length,
  connect_failed: failed + (N - clients.length - failed),
  connect_all_ms: ms(connectAll),
  connect_p50_ms: ms(pct(connectTimes, 50)),
  connect_p99_ms: ms(pct(connectTimes, 99)),
  steady: `${total} msgs @ ${RATE}/s`,
  sampled_clients: clients.filter((c) => c.sampled).length,
  latency_p50_ms: ms(pct(all, 50)),
  latency_p99_ms: ms(pct(all, 99)),
  latency_max_ms: ms(all.at(-1)),
  room_sockets_p50_p99_ms: `${ms(pct(onRoom, 50))} / ${ms(pct(onRoom, 99))}`,
  relay_sockets_p50_p99_ms: `${ms(pct(onRelay, 50))} / ${ms(pct(onRelay, 99))}`,
  deliveries: delivered,
  deliveries_per_s: Math.round(delivered / sendPhase),
  lost,
  duplicates: clients.reduce((a, c) => a + c.dupes, 0),
  out_of_order: clients.reduce((a, c) => a + c.disorder, 0),
  closed_during: clients.filter((c) => c.closed).length,
  mb_received: Math.round(clients.reduce((a, c) => a + c.bytes, 0) / 1e5) / 10,
  // Each local workerd process over the send phase and the settle, as a share of one core, busiest first.
  workerd_cpu: ticks.map((t) => `${Math.round((t / TICKS_PER_S / elapsed) * 100)} %`).join(", ") || "n/a",
  workerd_cpu_s: ticks.map((t) => t / TICKS_PER_S).join(", "),
  measured_s: Math.round(elapsed * 10) / 10,
  settle_s: Math.round((lastDelivery - start) / 100) / 10 - sendPhase,
  generator_cpu: `${Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 100)} %`,
};
console.log(JSON.stringify(result, null, 2));
for (const c of clients) c.ws.terminate();
process.exit(0);
