// 10 000 hostile requests (bench/fuzz-cases.mjs, fixed seed) against a running server; counts the
// answers by status and lists every 5xx. Exit code 1 when any answer was a 5xx.
// Usage: BENCH_SCRIPT=bench/fuzz.mjs bench/run.sh [--count 10000] [--seed 20261203]
import { call, parseArgs } from "./lib.mjs";
import { hostileRequest, operations, rng } from "./fuzz-cases.mjs";

const base = process.env.BENCH_URL ?? "http://127.0.0.1:8787";
const args = parseArgs();
const count = Number(args.count ?? 10_000);
const seed = Number(args.seed ?? 20261203);
const run = Date.now().toString(36);
let n = 0;
const register = async () => (await call(base, "POST", "/auth/register", null, { username: `fz${run}${n++}`, password: "bench-password" })).access_token;

const doc = await (await fetch(`${base}/api/v1/openapi.json`)).json();
const ops = operations(doc);
const components = doc.components?.schemas ?? {};
const tokens = { valid: await register() };
await call(base, "POST", "/chat-rooms/", tokens.valid, { name: `fz${run}` });
const r = rng(seed);
const byStatus = {};
const failures = [];
const started = performance.now();
for (let i = 0; i < count; i++) {
  const req = hostileRequest(r, ops, components, tokens, i);
  let status;
  let text = "";
  try {
    const res = await fetch(`${base}${req.url}`, { method: req.method, headers: req.headers, body: req.body });
    status = res.status;
    text = await res.text();
  } catch (e) {
    status = `error: ${e.message}`;
  }
  byStatus[status] = (byStatus[status] ?? 0) + 1;
  if (typeof status !== "number" || status >= 500) failures.push(`${req.method} ${req.url.slice(0, 200)} -> ${status} ${text.slice(0, 200)}`);
  if (status === 401 && req.headers.Authorization === `Bearer ${tokens.valid}`) tokens.valid = await register();
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ requests: count, seed, operations: ops.length, seconds: Math.round(seconds), fivexx: failures.length, by_status: byStatus }));
for (const f of failures.slice(0, 50)) console.log(f);
process.exit(failures.length ? 1 : 0);
