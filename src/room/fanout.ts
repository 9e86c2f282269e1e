// The room's outgoing fan-out. Every broadcast is serialized once and queued; the queue is flushed
// to every socket at the end of the current burst of work (a zero-delay timer, so frames queued by
// several incoming messages processed back to back leave together). Sockets that opted in with
// `?batch=1` get everything queued since the last flush as one `batch` frame; the others get the
// same frames one by one. Under load the runtime's per-frame cost, not JavaScript, bounds a room
// (see bench/README.md): coalescing is what lets a busy room keep up.
import type { ServerFrame } from "./protocol";
import type { Sockets } from "./sockets";

type Queued = { text: string; except?: WebSocket | number };

export class Fanout {
  private queue: Queued[] = [];
  private scheduled = false;

  constructor(private readonly sockets: Sockets) {}

  /** Queue a frame for every open socket but `except` (a socket, or all of one user's). */
  broadcast(frame: ServerFrame, except?: WebSocket | number) {
    this.queue.push({ text: JSON.stringify(frame), except });
    if (this.scheduled) return;
    this.scheduled = true;
    // Not a wait: it yields once, so frames queued by the messages already waiting for this object
    // are sent with these. The object stays awake for no longer than the work it already has.
    setTimeout(() => this.flush(), 0);
  }

  /** A frame for one socket, after everything queued before it (so order holds per socket). */
  send(ws: WebSocket, frame: ServerFrame) {
    this.flush();
    trySend(ws, JSON.stringify(frame));
  }

  /** Several frames for one socket (a replay), in batches of REPLAY_BATCH if it takes batches. */
  sendAll(ws: WebSocket, frames: ServerFrame[], batch: boolean) {
    this.flush();
    const texts = frames.map((f) => JSON.stringify(f));
    if (!batch) for (const t of texts) trySend(ws, t);
    else for (let i = 0; i < texts.length; i += REPLAY_BATCH) trySend(ws, wrap(texts.slice(i, i + REPLAY_BATCH)));
  }

  /** Sends what is queued now. Called before anything that must not overtake queued frames. */
  flush() {
    this.scheduled = false;
    const items = this.queue;
    if (!items.length) return;
    this.queue = [];
    const shared = items.every((i) => i.except === undefined);
    let batch: string | undefined;
    for (const [ws, info] of this.sockets.entries()) {
      const mine = shared ? items : items.filter((i) => i.except !== ws && i.except !== info.id);
      if (!mine.length) continue;
      if (info.batch && mine.length > 1) trySend(ws, mine === items ? (batch ??= wrap(texts(items))) : wrap(texts(mine)));
      else for (const i of mine) trySend(ws, i.text);
    }
  }

  /** Drops what is queued (the room is going away). */
  clear() {
    this.queue = [];
  }
}

/** Frames per batch in a replay: bounded, so one frame stays a few tens of KB. */
const REPLAY_BATCH = 100;
const texts = (items: Queued[]) => items.map((i) => i.text);
/** A BatchFrame (protocol.ts), assembled from frames already serialized. */
const wrap = (frames: string[]) => `{"type":"batch","frames":[${frames.join(",")}]}`;

function trySend(ws: WebSocket, text: string) {
  try {
    ws.send(text);
  } catch {
    // Closing or gone: its close handler does the bookkeeping.
  }
}
