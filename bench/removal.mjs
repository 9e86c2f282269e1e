// How fast a removed user's socket is closed, as real clients see it: the `ws` package and Node's
// built-in WebSocket (undici, the WHATWG client that browsers also implement), against
// `wrangler dev`. For each way of losing access (DELETE member, ban) it connects both clients,
// removes the user and times, from the moment the removal request is sent:
//   - `frame`: the server's close frame arriving (readyState turns CLOSING; the code is known),
//   - `close`: the close event, which clients fire only once the server ends the TCP connection.
// Usage: BENCH_SCRIPT=bench/removal.mjs bench/run.sh [--rounds 3]
import WS from "ws";
import { call, parseArgs } from "./lib.mjs";

const base = process.env.BENCH_URL ?? "http://127.0.0.1:8787";
const wsBase = base.replace(/^http/, "ws");
const rounds = Number(parseArgs().rounds ?? 3);
const LIMIT_MS = 15_000;
const run = Date.now().toString(36);
let seq = 0;

const register = () => call(base, "POST", "/auth/register", null, { username: `rm${run}${seq++}`, password: "bench-password" });
const on = (socket, event, f) => (socket.on ? socket.on(event, f) : socket.addEventListener(event, f));

/** Times the close frame (readyState CLOSING) and the close event of one socket, from `since()`. */
function watch(socket, since) {
  const out = { frame: null, close: null, code: null };
  const poll = setInterval(() => {
    if (out.frame === null && socket.readyState >= 2) out.frame = performance.now() - since();
  }, 2);
  const closed = new Promise((resolve) => {
    const timer = setTimeout(resolve, LIMIT_MS);
    on(socket, "close", (e) => {
      clearTimeout(timer);
      out.close = performance.now() - since();
      out.code = typeof e === "number" ? e : e.code;
      out.frame ??= out.close;
      resolve();
    });
  });
  const opened = new Promise((ok) => on(socket, "open", ok));
  return { opened, done: closed.then(() => (clearInterval(poll), out)) };
}

async function once(how) {
  const [owner, member] = await Promise.all([register(), register()]);
  const room = await call(base, "POST", "/chat-rooms/", owner.access_token, { name: `rm${run}${seq++}`, require_approval: false });
  await call(base, "POST", `/chat-rooms/${room.id}/join-request`, member.access_token, {});
  const url = `${wsBase}/api/v1/chat-rooms/${room.id}/ws?token=${member.access_token}`;
  let removed = Infinity;
  const since = () => removed;
  const sockets = { ws: new WS(url), undici: new WebSocket(url) };
  const watched = Object.fromEntries(Object.entries(sockets).map(([k, s]) => [k, watch(s, since)]));
  await Promise.all(Object.values(watched).map((w) => w.opened));
  await new Promise((r) => setTimeout(r, 300)); // connection_established and the join settle
  const uid = member.user.id;
  // From the moment the removal is sent: the close frame reaches clients before the response does.
  removed = performance.now();
  if (how === "remove") await call(base, "DELETE", `/chat-rooms/${room.id}/members/${uid}`, owner.access_token);
  else await call(base, "POST", `/chat-rooms/${room.id}/bans`, owner.access_token, { user_id: uid });
  const out = { how, response_ms: Math.round(performance.now() - removed) };
  for (const [kind, w] of Object.entries(watched)) {
    const r = await w.done;
    out[kind] = r.close === null ? `frame ${Math.round(r.frame)} ms, no close event in ${LIMIT_MS} ms` : `frame ${Math.round(r.frame)} ms, close ${r.code} at ${Math.round(r.close)} ms`;
  }
  return out;
}

for (const how of ["remove", "ban"]) for (let i = 0; i < rounds; i++) console.log(JSON.stringify(await once(how)));
