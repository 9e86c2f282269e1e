// The room's outgoing fan-out, serialized once per broadcast. A broadcast in a quiet room goes out
// at once and opens a "busy window": a zero-delay timer, which under load the runtime runs only
// after the work already waiting (other sockets' writes, the next incoming frames). Broadcasts
// made while the window is open are queued and leave together when it closes; if any did, the
// window opens again. So a quiet room adds no wait, and a busy one writes each socket's frames back
// to back; sockets that opted in with `?batch=1` take them as one `batch` frame. Under load the
// runtime's per-frame cost, not JavaScript, bounds a room (bench/README.md). Sockets of a
// reference document's shape (room/shapes.ts) get each frame rendered for that shape, once per
// frame and shape, whatever the number of such sockets.
import { trySend } from "../http/ws";
import type { ServerFrame } from "./protocol";
import { renderText, type WireShape } from "./shapes";
import type { Sockets } from "./sockets";

/**
 * `shaped`: the frame's text for each other wire shape in use when it was broadcast (null: not
 * sent to that shape). Rendered then, so the queue holds strings only, never the frame objects.
 */
type Queued = { text: string; except?: WebSocket | number; shaped?: Partial<Record<WireShape, string | null>> };

export class Fanout {
  private queue: Queued[] = [];
  /** A zero-delay timer is pending: broadcasts queue until it fires. */
  private busy = false;

  constructor(
    private readonly sockets: Sockets,
    private readonly roomId: () => number,
    /** Sees every broadcast as it is made, in order (a giant room's relays: relay/link.ts). */
    private readonly tap?: (text: string, exceptUser?: number) => void,
  ) {}

  /** A frame for every open socket but `except` (a socket, or all of one user's). */
  broadcast(frame: ServerFrame, except?: WebSocket | number) {
    const item: Queued = { text: JSON.stringify(frame), except };
    // A socket of this object is not on a relay: only a user exception applies there.
    this.tap?.(item.text, typeof except === "number" ? except : undefined);
    for (const shape of this.sockets.shapesInUse()) (item.shaped ??= {})[shape] = renderText(shape, frame, this.roomId());
    if (this.busy) {
      this.queue.push(item);
      return;
    }
    this.deliver([item]);
    this.openWindow();
  }

  private openWindow() {
    this.busy = true;
    // Pending only while frames are moving: an idle room has no timer and hibernates as usual.
    setTimeout(() => {
      this.busy = false;
      if (!this.queue.length) return;
      this.flush();
      this.openWindow();
    }, 0);
  }

  /** A frame for one socket, after everything queued before it (so order holds per socket). */
  send(ws: WebSocket, frame: ServerFrame) {
    this.flush();
    const shape = this.sockets.info(ws)?.shape;
    const text = shape ? renderText(shape, frame, this.roomId()) : JSON.stringify(frame);
    if (text !== null) trySend(ws, text);
  }

  /** Several frames for one socket (a replay), in bounded batches if it takes batches. */
  sendAll(ws: WebSocket, frames: ServerFrame[], batch: boolean) {
    this.flush();
    const shape = this.sockets.info(ws)?.shape;
    if (shape) {
      for (const f of frames) {
        const t = renderText(shape, f, this.roomId());
        if (t !== null) trySend(ws, t);
      }
      return;
    }
    const texts = frames.map((f) => JSON.stringify(f));
    for (const t of batch ? batches(texts) : texts) trySend(ws, t);
  }

  /** Sends what is queued now. Called before anything that must not overtake queued frames. */
  flush() {
    if (!this.queue.length) return;
    const items = this.queue;
    this.queue = [];
    this.deliver(items);
  }

  private deliver(items: Queued[]) {
    const shared = items.every((i) => i.except === undefined);
    let batch: string[] | undefined;
    const now = Date.now();
    for (const [ws, info] of this.sockets.entries()) {
      // Its token or session expired: nothing more for it (the room closes it on its next wake).
      if (info.exp !== undefined && info.exp <= now) continue;
      const mine = shared ? items : items.filter((i) => i.except !== ws && i.except !== info.id);
      if (!mine.length) continue;
      if (info.shape) {
        for (const i of mine) {
          const t = i.shaped?.[info.shape];
          if (t) trySend(ws, t);
        }
        continue;
      }
      if (info.batch && mine.length > 1) for (const b of mine === items ? (batch ??= batches(texts(items))) : batches(texts(mine))) trySend(ws, b);
      else for (const i of mine) trySend(ws, i.text);
    }
  }

  /** Drops what is queued (the room is going away). */
  clear() {
    this.queue = [];
  }
}

/** A batch frame carries at most 100 frames and about 60 000 characters (5 000-character messages
 * would otherwise make frames of megabytes under a burst). */
const BATCH_FRAMES = 100;
const BATCH_CHARS = 60_000;
const texts = (items: Queued[]) => items.map((i) => i.text);
/** A BatchFrame (protocol.ts), assembled from frames already serialized. */
const wrap = (frames: string[]) => `{"type":"batch","frames":[${frames.join(",")}]}`;

/** Serialized frames cut into bounded batch frames, in order; a batch of one goes as the frame itself. */
function batches(frames: string[]): string[] {
  const out: string[] = [];
  let chunk: string[] = [];
  let chars = 0;
  const close = () => {
    if (chunk.length) out.push(chunk.length === 1 ? chunk[0] : wrap(chunk));
    chunk = [];
    chars = 0;
  };
  for (const f of frames) {
    if (chunk.length && (chunk.length === BATCH_FRAMES || chars + f.length > BATCH_CHARS)) close();
    chunk.push(f);
    chars += f.length + 1;
  }
  close();
  return out;
}

