// Media benchmark: upload and download throughput of a 10 MiB file, and the worker's memory while
// uploading 1 MiB vs 10 MiB files (sequential and 4 at once). Memory is workerd's VmRSS sampled
// every 10 ms from /proc/<pid>/status during each phase, and its VmHWM (peak) after it.
//
//   node bench/media.mjs                       starts its own `wrangler dev` (fresh state in a temp
//                                              dir, free ports), measures, stops it
//   BENCH_URL=http://127.0.0.1:8787 node bench/media.mjs
//                                              against a running `npm run dev`; the workerd process
//                                              is found by the port (or give WORKERD_PID)
//
// Every loop is bounded; the dev server it starts is stopped on exit.
import { spawn } from "node:child_process";
import { call } from "./lib.mjs";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MiB = 1024 * 1024;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);

// ---------------------------------------------------------------- processes and memory

const proc = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return { pid: Number(pid), comm, ppid };
  } catch {
    return null;
  }
};
const allProcs = () => readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(proc).filter(Boolean);

function descendants(pid) {
  const procs = allProcs();
  const out = [];
  const queue = [pid];
  for (let guard = 0; queue.length && guard < 10_000; guard++) {
    const p = queue.shift();
    for (const c of procs) if (c.ppid === p) (out.push(c), queue.push(c.pid));
  }
  return out;
}

/** The pid owning the listening TCP socket on `port`, via /proc/net/tcp* and our processes' fds. */
function pidListeningOn(port) {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set();
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1].endsWith(`:${hex}`) && cols[3] === "0A") inodes.add(cols[9]);
    }
  }
  for (const p of allProcs()) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${p.pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p.pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) return p.pid;
      } catch {}
    }
  }
  return null;
}

function findWorkerd(rootPid) {
  const self = proc(rootPid);
  if (self?.comm === "workerd") return rootPid;
  const w = descendants(rootPid).filter((p) => p.comm === "workerd");
  return w.length ? w[0].pid : null;
}

const kib = (pid, field) => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
};

/** Runs `fn` while sampling VmRSS every 10 ms; returns {peakRss, hwm} in MiB. */
async function sampled(pid, fn) {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, kib(pid, "VmRSS"))), 10);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, kib(pid, "VmRSS"));
  return { peakRss: peak / 1024, hwm: kib(pid, "VmHWM") / 1024 };
}

// ---------------------------------------------------------------- dev server

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"], ...opts });
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function startDev() {
  const persist = mkdtempSync(join(tmpdir(), "edge-chat-media-bench-"));
  const [port, inspector] = [await freePort(), await freePort()];
  const env = { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` };
  await run(bin("node"), ["scripts/ensure-dev-vars.mjs"], { env });
  await run(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { env });
  // Its own process group, so stopping it stops wrangler's workerd child too.
  const dev = spawn(bin("wrangler"), ["dev", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", persist], {
    cwd: root,
    env: { ...env, WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "ignore", "ignore"],
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    try {
      process.kill(-dev.pid, "SIGTERM");
    } catch {}
    rmSync(persist, { recursive: true, force: true });
  };
  process.on("exit", stop);
  for (let i = 0; i < 120; i++) {
    if (await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false)) return { url, pid: dev.pid, stop };
    await new Promise((r) => setTimeout(r, 500));
  }
  stop();
  throw new Error("wrangler dev did not become healthy in 60 s");
}

// ---------------------------------------------------------------- payloads

/** A PNG signature and IHDR, then random bytes: an allowed type that does not compress. */
function pngOf(size) {
  const b = randomBytes(size);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 4, 0, 0, 0, 3, 0]);
  return new Blob([b]);
}

async function upload(base, token, blob) {
  const fd = new FormData();
  fd.append("file", blob, "bench.png");
  const res = await fetch(`${base}/api/v1/files`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: fd });
  const json = await res.json();
  if (res.status !== 201) throw new Error(`upload -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function download(base, url) {
  const res = await fetch(`${base}${url}`);
  if (res.status !== 200) throw new Error(`download -> ${res.status}`);
  let n = 0;
  for await (const chunk of res.body) n += chunk.length;
  return n;
}

const mibps = (bytes, ms) => `${((bytes / MiB) / (ms / 1000)).toFixed(1)} MiB/s`;
const f1 = (x) => x.toFixed(1);

// ---------------------------------------------------------------- main

const external = process.env.BENCH_URL?.replace(/\/$/, "");
const dev = external ? null : await startDev();
const base = external ?? dev.url;
try {
  const rootPid = process.env.WORKERD_PID ? Number(process.env.WORKERD_PID) : external ? pidListeningOn(Number(new URL(base).port || 80)) : dev.pid;
  const workerd = rootPid && findWorkerd(rootPid);
  if (!workerd) throw new Error("workerd process not found; set WORKERD_PID");

  const user = await call(base, "POST", "/auth/register", null, { username: `mb${Date.now().toString(36)}`, password: "bench-password" });
  const token = user.access_token;
  const one = pngOf(MiB);
  const ten = pngOf(10 * MiB);
  await upload(base, token, one); // warm up: first request compiles the worker
  await new Promise((r) => setTimeout(r, 500));
  const idle = kib(workerd, "VmRSS") / 1024;

  const phase = async (blob, parallel) =>
    sampled(workerd, async () => {
      for (let r = 0; r < ROUNDS; r++) await Promise.all(Array.from({ length: parallel }, () => upload(base, token, blob)));
    });
  const mem = {
    "1 MiB x1": await phase(one, 1),
    "10 MiB x1": await phase(ten, 1),
    "1 MiB x4": await phase(one, 4),
    "10 MiB x4": await phase(ten, 4),
  };

  // Throughput, one transfer at a time.
  let up = 0;
  let down = 0;
  let file;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    file = await upload(base, token, ten);
    up += performance.now() - t0;
    const t1 = performance.now();
    const n = await download(base, file.url);
    down += performance.now() - t1;
    if (n !== 10 * MiB) throw new Error(`downloaded ${n} bytes`);
  }

  console.log(`media benchmark against ${base} (workerd pid ${workerd}), ${ROUNDS} rounds per row`);
  console.log(`10 MiB upload:   ${f1(up / ROUNDS)} ms per file, ${mibps(10 * MiB * ROUNDS, up)}`);
  console.log(`10 MiB download: ${f1(down / ROUNDS)} ms per file, ${mibps(10 * MiB * ROUNDS, down)}`);
  console.log(`workerd VmRSS idle after warm-up: ${f1(idle)} MiB`);
  console.log("| uploads (size x parallel) | peak VmRSS during | above idle | VmHWM after |");
  console.log("|---|---|---|---|");
  for (const [label, m] of Object.entries(mem)) console.log(`| ${label} | ${f1(m.peakRss)} MiB | ${f1(m.peakRss - idle)} MiB | ${f1(m.hwm)} MiB |`);
} finally {
  dev?.stop();
}
