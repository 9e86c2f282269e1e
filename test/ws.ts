// A WebSocket test client: connects through the worker (exports.default.fetch), queues every
// frame, and waits for frames matching a predicate.
import { exports } from "cloudflare:workers";
import { BASE } from "./helpers";

export type Frame = { type: string; [k: string]: any };

export class Client {
  /** Every frame received, with `batch` frames unwrapped into the frames they carry. */
  frames: Frame[] = [];
  /** What came over the wire: the `type` of each WebSocket message, and a batch's size. */
  wire: { type: string; size: number }[] = [];
  /** The length of each WebSocket message, in characters. */
  lengths: number[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      const frame: Frame = JSON.parse(e.data as string);
      const inner: Frame[] = frame.type === "batch" ? frame.frames : [frame];
      this.wire.push({ type: frame.type, size: inner.length });
      this.lengths.push((e.data as string).length);
      this.frames.push(...inner);
      this.wake();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake();
    });
    ws.accept();
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Waits until `pred` holds over the received frames; returns its value. */
  async until<T>(pred: (frames: Frame[]) => T | undefined | false, what = "frames", ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pred(this.frames);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /** The first frame of `type` (after `from`) matching `match`. */
  next(type: string, match: (f: Frame) => boolean = () => true, from = 0) {
    return this.until((fs) => fs.slice(from).find((f) => f.type === type && match(f)), type);
  }

  of(type: string) {
    return this.frames.filter((f) => f.type === type);
  }

  waitClosed(): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closed ?? undefined, "close");
  }

  close() {
    try {
      this.ws.close(1000, "bye");
    } catch {}
  }
}

export async function upgrade(roomId: number, token: string | null, query = "", path?: string) {
  const qs = new URLSearchParams(query);
  if (token) qs.set("token", token);
  const url = `${path ?? `${BASE}/chat-rooms/${roomId}/ws`}${qs.size ? `?${qs}` : ""}`;
  return exports.default.fetch(url, { headers: { Upgrade: "websocket" } });
}

export async function connect(roomId: number, token: string, query = "", path?: string) {
  const res = await upgrade(roomId, token, query, path);
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  const c = new Client(res.webSocket);
  await c.next("connection_established");
  return c;
}
