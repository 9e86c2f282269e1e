// A WebSocket-like adapter over the worker's own fetch (exports.default) for the client package's
// injectable constructor: the client runs against the real worker, room objects and D1 in workerd.
// Switches let a test cut the network: `offline` refuses new connects (as a browser sees a failed
// upgrade: close 1006), `deaf` drops frames the server sends (acknowledgements lost in the air),
// `lateClose` withholds the server's close events (as the runtime locally delivers them ~10 s late).
import { exports } from "cloudflare:workers";
import { createChatClient, type ChatClient, type ChatClientOptions, type WebSocketLike } from "../client/src/index";
import { BASE } from "./helpers";

export const network = { offline: false, deaf: false, lateClose: false, opened: 0 };

export class WorkerdWebSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((ev: any) => void) | null = null;
  onmessage: ((ev: { data: any }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: any) => void) | null = null;
  private ws: WebSocket | null = null;

  constructor(readonly url: string) {
    void this.connect();
  }

  private async connect() {
    // Like a browser's: nothing happens before the constructor has returned and handlers are set.
    await Promise.resolve();
    const res = network.offline ? null : await exports.default.fetch(this.url.replace(/^ws/, "http"), { headers: { Upgrade: "websocket" } }).catch(() => null);
    if (this.readyState === 3) return res?.webSocket?.accept(), res?.webSocket?.close(1000, "abandoned");
    if (!res || res.status !== 101 || !res.webSocket) {
      this.readyState = 3;
      this.onerror?.({});
      this.onclose?.({ code: 1006, reason: "" });
      return;
    }
    const ws = res.webSocket;
    this.ws = ws;
    ws.addEventListener("message", (e) => {
      if (!network.deaf) this.onmessage?.({ data: e.data });
    });
    ws.addEventListener("close", (e) => {
      if (network.lateClose) return;
      this.readyState = 3;
      this.onclose?.({ code: e.code, reason: e.reason });
    });
    ws.accept();
    network.opened++;
    this.readyState = 1;
    this.onopen?.({});
  }

  send(data: string) {
    if (this.readyState !== 1 || !this.ws) throw new Error("not open");
    this.ws.send(data);
  }

  close(code = 1000, reason = "") {
    this.readyState = 3;
    try {
      this.ws?.close(code, reason);
    } catch {}
  }
}

/** The client package against the worker through this socket, with a fast backoff; `options` on top. */
export function kitClient(options: Partial<ChatClientOptions> = {}): ChatClient {
  return createChatClient({
    baseUrl: BASE.replace("/api/v1", ""),
    fetch: (req) => exports.default.fetch(req),
    WebSocket: WorkerdWebSocket,
    backoff: { initialMs: 10, maxMs: 100 },
    ...options,
  });
}
