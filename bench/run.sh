#!/usr/bin/env bash
# Starts `wrangler dev` with the rate limit lifted, runs a benchmark against it, stops it.
# Usage: bench/run.sh [args...]   e.g. bench/run.sh --clients 100,500 --rate 50
# BENCH_SCRIPT picks the script (default bench/ws-load.mjs; bench/search.mjs for message search,
# bench/giant-room.mjs for one room of thousands of sockets). BENCH_VARS adds `--var K:V` options.
set -euo pipefail
# Thousands of sockets need thousands of descriptors in wrangler's proxy, workerd and the load
# generator: the soft limit is raised to the hard one (the most an unprivileged process may).
ulimit -n "$(ulimit -Hn)" && echo "bench/run.sh: ulimit -n $(ulimit -n)" >&2
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
PORT="${BENCH_PORT:-8799}"
node scripts/ensure-dev-vars.mjs >/dev/null; wrangler d1 migrations apply DB --local ${BENCH_PERSIST:+--persist-to "$BENCH_PERSIST"} </dev/null >/dev/null
wrangler dev --port "$PORT" ${BENCH_PERSIST:+--persist-to "$BENCH_PERSIST"} --var RATE_LIMIT_PER_SECOND:100000 --var RATE_LIMIT_BURST:100000 ${BENCH_VARS:-} >/tmp/edge-chat-bench-dev.log 2>&1 &
DEV=$!
trap 'kill $DEV 2>/dev/null; wait $DEV 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 1; done
# A large young generation keeps the load generator's own GC pauses out of the latencies.
BENCH_URL="http://127.0.0.1:$PORT" node --max-semi-space-size=64 "${BENCH_SCRIPT:-bench/ws-load.mjs}" "$@"
