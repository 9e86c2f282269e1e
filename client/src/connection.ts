// What both sockets share: the connection's life. Opens, reconnects with backoff and jitter, finds
// dead connections with ping/pong, unwraps batch frames, validates every frame against the server's
// schema (skipping, with a warning, what it does not know), processes frames strictly one after
// another (a handler may await REST), asks for a fresh token on 4001 and stops for good on
// 4003/4004. A `closing` frame (the server names why it is about to close) is acted on at once, as
// its close code would be: the runtime's close event may come seconds later. The room and user
// connections add what their frames mean.
import type { z } from "zod";
import { backoffDelay, type BackoffOptions } from "./backoff";
import { Emitter } from "./events";
import type { AuthHooks, SocketTarget } from "./rest";
import type { ClosingFrame, CloseInfo, ConnectionState, Warning } from "./types";

/** The part of the WebSocket interface the client uses (browsers, Node ≥ 22's global, `ws`). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: any }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

export type ConnectionOptions = {
  /** The WebSocket class (default: the global one). Tests and Node < 22 pass their own. */
  WebSocket?: WebSocketCtor;
  backoff?: BackoffOptions;
  /** Quiet time before a ping is sent, ms (default 25 000). */
  pingIntervalMs?: number;
  /** Time a ping may go unanswered (by any frame) before the socket counts as dead, ms (default 10 000). */
  pongTimeoutMs?: number;
  /** Called for frames skipped (unknown or invalid), gaps that could not be filled, throwing listeners. Default: console.warn. */
  onWarning?: (w: Warning) => void;
};

export type BaseEvents = {
  state: (state: ConnectionState) => void;
  /** The connection stopped for good; it will not reconnect. */
  closed: (info: CloseInfo) => void;
  warning: (w: Warning) => void;
};

const OPEN = 1;
/** Codes after which reconnecting cannot help. */
const FINAL: Record<number, CloseInfo["cause"]> = { 4003: "removed", 4004: "gone" };

export abstract class Connection<F extends { type: string }, E extends BaseEvents> extends Emitter<E> {
  state: ConnectionState = "connecting";
  private ws: WebSocketLike | null = null;
  private gen = 0;
  private attempt = 0;
  private freshToken = false;
  private stopped = false;
  private opened = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setTimeout> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private lastHeard = 0;
  private chain: Promise<void> = Promise.resolve();
  /** What the last closing frame said, for a stop that follows it (no token after session_ended). */
  private closingKind: CloseInfo["kind"];
  protected readonly opts: ConnectionOptions;

  constructor(
    protected readonly wsBase: string,
    protected readonly auth: AuthHooks,
    private readonly schema: z.ZodType<F>,
    private readonly knownTypes: ReadonlySet<string>,
    opts: ConnectionOptions,
  ) {
    super();
    this.opts = opts;
    this.onListenerError = (e, event) => this.warn({ kind: "listener_error", detail: `a "${event}" listener threw: ${e}`, data: e });
    // After the subclass's fields exist.
    queueMicrotask(() => void this.open());
  }

  protected abstract target(): SocketTarget;
  /** Path and query (besides auth) of the next connect, e.g. with ?since= from what was seen. */
  protected abstract address(): string;
  /** Handles one validated frame (a closing frame is the base's); frames are handled one at a time, in order. */
  protected abstract handle(frame: Exclude<F, { type: "closing" }>): void | Promise<void>;
  /** After a connect failed before the first frame: a REST look at whether it can ever succeed. */
  protected abstract probe(): Promise<"ok" | "unauthorized" | "gone">;
  /** The connection stopped for good (reject what waits on it). */
  protected onStopped(_info: CloseInfo): void {}

  /** Stops for good: no reconnect. */
  close() {
    this.stop({ code: 1000, reason: "closed by the client", cause: "closed" });
  }

  protected warn(w: Warning) {
    (this.opts.onWarning ?? ((x: Warning) => console.warn(`edge-chat: ${x.kind}: ${x.detail}`)))(w);
    this.emit("warning", ...([w] as Parameters<E["warning"]>));
  }

  protected setState(s: ConnectionState) {
    if (this.state === s) return;
    this.state = s;
    this.emit("state", ...([s] as Parameters<E["state"]>));
  }

  /** Sends on the open socket; false when there is none (the caller keeps what must not be lost). */
  protected sendFrame(frame: unknown): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN || !this.opened) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** The first frame arrived: the connection is up. */
  protected markOpen() {
    this.opened = true;
    this.attempt = 0;
    this.closingKind = undefined;
    this.setState("open");
  }

  private async open() {
    if (this.stopped) return;
    const gen = ++this.gen;
    this.opened = false;
    this.setState(this.state === "connecting" ? "connecting" : "reconnecting");
    const fresh = this.freshToken;
    this.freshToken = false;
    let params: Record<string, string> | null;
    try {
      params = this.auth.socketParams
        ? await this.auth.socketParams(this.target(), { fresh })
        : await Promise.resolve(this.auth.token({ fresh })).then((t) => (t ? { token: t } : null));
    } catch (e) {
      // The token source failed (offline?): try again later.
      this.warn({ kind: "listener_error", detail: `the auth hook failed: ${e}`, data: e });
      return this.scheduleReconnect(gen);
    }
    if (this.stopped || gen !== this.gen) return;
    if (!params) return this.stop({ code: 4001, reason: "no token", cause: "unauthorized", ...(this.closingKind && { kind: this.closingKind }) });
    const address = this.address();
    const url = `${this.wsBase}${address}${address.includes("?") ? "&" : "?"}${new URLSearchParams(params)}`;
    const Ctor = this.opts.WebSocket ?? (globalThis as unknown as { WebSocket: WebSocketCtor }).WebSocket;
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url);
    } catch (e) {
      this.warn({ kind: "listener_error", detail: `WebSocket constructor threw: ${e}`, data: e });
      return this.scheduleReconnect(gen);
    }
    this.ws = ws;
    this.lastHeard = Date.now();
    ws.onmessage = (ev) => {
      if (gen !== this.gen) return;
      this.lastHeard = Date.now();
      this.receive(ev.data, gen);
    };
    ws.onclose = (ev) => {
      if (gen === this.gen) this.lost(gen, ev.code, ev.reason);
    };
    ws.onerror = () => {};
    this.armPing(gen);
  }

  private receive(data: unknown, gen: number) {
    if (typeof data !== "string") return this.warn({ kind: "bad_json", detail: "a binary frame", data });
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return this.warn({ kind: "bad_json", detail: "a frame that is not JSON", data });
    }
    const o = parsed as { type?: unknown; frames?: unknown };
    const frames = o && o.type === "batch" && Array.isArray(o.frames) ? o.frames : [parsed];
    for (const raw of frames) {
      const type = (raw as { type?: unknown })?.type;
      const result = this.schema.safeParse(raw);
      if (!result.success) {
        const known = typeof type === "string" && this.knownTypes.has(type);
        this.warn({
          kind: known ? "invalid_frame" : "unknown_frame",
          detail: known ? `a "${type}" frame that does not match its schema: ${result.error.issues[0]?.message}` : `an unknown frame type ${JSON.stringify(type)}`,
          data: raw,
        });
        continue;
      }
      const frame = result.data;
      this.chain = this.chain.then(
        () => (this.stopped ? undefined : frame.type === "closing" ? this.closing(frame as unknown as ClosingFrame, gen) : this.handle(frame as Exclude<F, { type: "closing" }>)),
      ).catch((e) => this.warn({ kind: "listener_error", detail: `handling a "${frame.type}" frame failed: ${e}`, data: e }));
    }
  }

  private armPing(gen: number) {
    clearTimeout(this.pingTimer);
    const interval = this.opts.pingIntervalMs ?? 25_000;
    this.pingTimer = setTimeout(() => {
      if (gen !== this.gen || this.stopped) return;
      // Connected but never greeted (the first frame always comes at once): a connect timeout.
      if (!this.opened) return this.lost(gen, 4000, "no connection_established");
      const quiet = Date.now() - this.lastHeard;
      if (quiet < interval) return this.armPing(gen);
      const sentAt = Date.now();
      if (this.ws?.readyState === OPEN) {
        try {
          this.ws.send('{"type":"ping"}');
        } catch {}
      }
      this.pongTimer = setTimeout(() => {
        if (gen !== this.gen || this.stopped) return;
        if (this.lastHeard >= sentAt) return this.armPing(gen);
        // Nothing heard since the ping: the connection is dead even if no close event ever comes.
        this.lost(gen, 4000, "no answer to ping");
      }, this.opts.pongTimeoutMs ?? 10_000);
    }, interval);
  }

  /** The server is closing this socket and says why: act now, as on the close code itself. */
  private closing(frame: ClosingFrame, gen: number) {
    if (gen !== this.gen || this.stopped) return;
    this.closingKind = frame.kind;
    this.lost(gen, frame.code, frame.reason);
  }

  private lost(gen: number, code: number, reason: string) {
    if (gen !== this.gen || this.stopped) return;
    const wasOpen = this.opened;
    this.detach();
    const final = FINAL[code];
    if (final) return this.stop({ code, reason, cause: final, ...(this.closingKind && { kind: this.closingKind }) });
    if (code === 4001) {
      // Signed out (the password changed): reconnect at once with a fresh token, or stop.
      this.freshToken = true;
      this.gen++;
      this.setState("reconnecting");
      return void this.open();
    }
    this.setState("reconnecting");
    if (wasOpen) return this.scheduleReconnect(this.gen);
    // Refused before the first frame (browsers hide the HTTP status of a failed upgrade): ask REST why.
    void this.probe()
      .catch(() => "ok" as const)
      .then((verdict) => {
        if (this.stopped) return;
        if (verdict === "gone") return this.stop({ code: 4004, reason: "the server refuses this socket (403/404)", cause: "gone" });
        if (verdict === "unauthorized") this.freshToken = true;
        this.scheduleReconnect(this.gen);
      });
  }

  private scheduleReconnect(gen: number) {
    if (this.stopped || gen !== this.gen) return;
    clearTimeout(this.reconnectTimer);
    const delay = backoffDelay(this.attempt++, this.opts.backoff);
    this.setState(this.state === "connecting" ? "connecting" : "reconnecting");
    this.reconnectTimer = setTimeout(() => void this.open(), delay);
  }

  private detach() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.opened = false;
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onmessage = ws.onclose = ws.onerror = ws.onopen = null;
    try {
      ws.close(4000, "reconnecting");
    } catch {}
  }

  private stop(info: CloseInfo) {
    if (this.stopped) return;
    this.stopped = true;
    this.gen++;
    clearTimeout(this.reconnectTimer);
    this.detach();
    this.setState("closed");
    this.onStopped(info);
    this.emit("closed", ...([info] as Parameters<E["closed"]>));
  }
}
