// The room's open sockets, indexed by socket and by user. The runtime keeps the sockets and their
// attachments across hibernation; this index is only a cache of them, rebuilt from
// ctx.getWebSockets() the first time it is needed after the object wakes.

/** What a socket carries across hibernation (well under the 2 KB attachment limit). */
/** `cleared`: the user's cleared-history mark when the socket opened (see clear-history). */
/** `sid`: the session it was opened in; `exp`: when its token or session expires (ms), after which it gets nothing and closes (4001). */
/** `shape`: the socket speaks a reference document's frames (room/shapes.ts); none: the canonical ones. */
export type SocketInfo = {
  id: number;
  username: string;
  display_name: string | null;
  left?: boolean;
  batch?: true;
  cleared?: number;
  sid?: string;
  exp?: number;
  shape?: WireShape;
  /** May use @here / @all (the worker decided at the upgrade: role and the room's setting). */
  mm?: true;
  /** On a relay: the socket's name, by which the room counts its refused frames. */
  key?: string;
};

import type { WireShape } from "./shapes";

export const attachment = (ws: WebSocket) => ws.deserializeAttachment() as SocketInfo | null;

type Index = {
  bySocket: Map<WebSocket, SocketInfo>;
  byUser: Map<number, { info: SocketInfo; sockets: Set<WebSocket> }>;
  /** Open sockets per wire shape other than the canonical one. */
  shapes: Map<WireShape, number>;
};

export class Sockets {
  private index?: Index;

  constructor(private readonly ctx: DurableObjectState) {}

  private get i(): Index {
    if (!this.index) {
      this.index = { bySocket: new Map(), byUser: new Map(), shapes: new Map() };
      for (const ws of this.ctx.getWebSockets()) {
        const a = attachment(ws);
        // Sockets still closing stay until their close event removes them; that event always comes.
        if (a && !a.left) this.add(ws, a);
      }
    }
    return this.index;
  }

  add(ws: WebSocket, info: SocketInfo) {
    const i = this.i;
    i.bySocket.set(ws, info);
    if (info.shape) i.shapes.set(info.shape, (i.shapes.get(info.shape) ?? 0) + 1);
    const entry = i.byUser.get(info.id) ?? { info, sockets: new Set<WebSocket>() };
    entry.sockets.add(ws);
    i.byUser.set(info.id, entry);
  }

  /**
   * Forgets a socket; `last` says whether it was its user's last one. `unindexed`: the socket was
   * not in the index (its close woke the object after it had left getWebSockets()), so "last" only
   * means no other socket of the user is open; two such closes of one user both look last.
   */
  remove(ws: WebSocket): { info: SocketInfo; last: boolean; unindexed?: true } | null {
    const i = this.i;
    const known = i.bySocket.get(ws);
    if (!known) {
      const a = attachment(ws);
      return a && !a.left ? { info: a, last: !i.byUser.has(a.id), unindexed: true } : null;
    }
    const info = known;
    i.bySocket.delete(ws);
    this.unshape(info);
    const entry = i.byUser.get(info.id);
    entry?.sockets.delete(ws);
    const last = !entry || entry.sockets.size === 0;
    if (last) i.byUser.delete(info.id);
    return { info, last };
  }

  /** Forgets all of a user's sockets and returns them. */
  removeUser(userId: number): { info: SocketInfo; sockets: WebSocket[] } | null {
    const entry = this.i.byUser.get(userId);
    if (!entry) return null;
    for (const ws of entry.sockets) {
      const info = this.i.bySocket.get(ws);
      this.i.bySocket.delete(ws);
      if (info) this.unshape(info);
    }
    this.i.byUser.delete(userId);
    return { info: entry.info, sockets: [...entry.sockets] };
  }

  clear() {
    this.index = { bySocket: new Map(), byUser: new Map(), shapes: new Map() };
  }

  private unshape(info: SocketInfo) {
    if (!info.shape) return;
    const n = (this.i.shapes.get(info.shape) ?? 1) - 1;
    if (n > 0) this.i.shapes.set(info.shape, n);
    else this.i.shapes.delete(info.shape);
  }

  /** The wire shapes some open socket speaks (besides the canonical one). */
  shapesInUse(): Iterable<WireShape> {
    return this.i.shapes.keys();
  }

  has(userId: number) {
    return this.i.byUser.has(userId);
  }

  /** One entry per online user. */
  users(): SocketInfo[] {
    return [...this.i.byUser.values()].map((e) => e.info);
  }

  /** Open sockets. */
  get size() {
    return this.i.bySocket.size;
  }

  get userCount() {
    return this.i.byUser.size;
  }

  /** What an open socket carries (from the index; its attachment for one not indexed). */
  info(ws: WebSocket): SocketInfo | null {
    return this.i.bySocket.get(ws) ?? attachment(ws);
  }

  entries(): IterableIterator<[WebSocket, SocketInfo]> {
    return this.i.bySocket.entries();
  }
}
