// A WebSocket-like adapter over the worker's own fetch (exports.default) for the client package's
// injectable constructor: the client runs against the real worker, room objects and D1 in workerd.
// Switches let a test cut the network: `offline` refuses new connects (as a browser sees a failed
// upgrade: close 1006), `deaf` drops frames the server sends (acknowledgements lost in the air).
import { exports } from "cloudflare:workers";
import type { WebSocketLike } from "../client/src/index";

export const network = { offline: false, deaf: false, opened: 0 };

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
