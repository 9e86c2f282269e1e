// Shared by the bench scripts: `--name value` arguments, JSON calls to the API, workerd CPU.
import fs from "node:fs";

/** `--clients 1,10 --rate 50` -> { clients: "1,10", rate: "50" }. */
export const parseArgs = (argv = process.argv.slice(2)) =>
  Object.fromEntries(
    argv
      .join(" ")
      .split("--")
      .filter(Boolean)
      .map((kv) => kv.trim().split(/\s+/)),
  );

// Registrations are throttled per client address (REGISTER_LIMITER, 50 a minute), and a bench
// registers hundreds of users from one machine. Locally `wrangler dev` passes a client's
// CF-Connecting-IP through (Cloudflare's edge overwrites it), so each registration claims its own
// address in 198.18.0.0/15, the range RFC 2544 sets aside for benchmarks. The throttle stays on.
let registrations = 0;
const benchAddress = () => {
  const n = registrations++;
  return `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
};

/** A JSON call to `${base}/api/v1${path}`; throws on any non-2xx with the status and body. */
export async function call(base, method, path, token, body) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(token && { authorization: `Bearer ${token}` }),
      ...(path === "/auth/register" && { "CF-Connecting-IP": benchAddress() }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * CPU ticks (user + system) of every local workerd process, by pid: the server's share of the cores
 * next to the generator's own. Empty where /proc is not there (another OS, a remote BENCH_URL).
 */
export function workerdTicks() {
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
export const TICKS_PER_S = 100;

/** TCP ports the local workerd processes listen on (from /proc: their socket fds, /proc/net/tcp*). */
export function workerdPorts() {
  const inodes = new Set();
  for (const pid of workerdTicks().keys()) {
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      }
    } catch {
      // Gone, or not ours to read.
    }
  }
  const ports = new Set();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let lines = [];
    try {
      lines = fs.readFileSync(file, "utf8").split("\n").slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      // f[1] local address:port (hex), f[3] state (0A: LISTEN), f[9] inode.
      if (f[3] === "0A" && inodes.has(f[9])) ports.add(parseInt(f[1].split(":").at(-1), 16));
    }
  }
  return [...ports];
}
