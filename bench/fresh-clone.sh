#!/usr/bin/env bash
# Time from a fresh clone to the first message exchanged between two tabs, with only the README's
# commands (`npm install && npm run dev`), then bench/first-message.ts driving two browser tabs.
#   flock /tmp/test.lock bench/fresh-clone.sh [repository=.] [port=8787]
set -euo pipefail
SRC=$(cd "${1:-.}" && pwd)
PORT=${2:-8787}
DIR=$(mktemp -d)
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

t0=$(now)
git clone -q "$SRC" "$DIR/edge-chat"
cd "$DIR/edge-chat"
npm install --no-audit --no-fund >"$DIR/install.log" 2>&1
echo "clone + npm install: $(since "$t0") s"

t1=$(now)
# What the README says, on the given port (another may hold 8787 on a shared machine).
setsid npm run dev -- --port "$PORT" --ip 127.0.0.1 >"$DIR/dev.log" 2>&1 </dev/null &
DEV=$!
trap 'kill -- -$DEV 2>/dev/null || true; rm -rf "$DIR"' EXIT
until curl -sf "http://127.0.0.1:$PORT/" | grep -q '<div id="app">'; do
  kill -0 $DEV 2>/dev/null || { cat "$DIR/dev.log"; exit 1; }
  sleep 0.2
done
echo "npm run dev until the app answers at /: $(since "$t1") s"

t2=$(now)
node bench/first-message.ts "http://127.0.0.1:$PORT"
echo "fresh clone to the first message both ways: $(since "$t0") s"
