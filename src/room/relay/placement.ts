// Where a giant room's new socket goes (docs/realtime.md, "Giant rooms"). The room answers an
// upgrade it will not hold itself with its relay count and the relays it knows to be full; the
// worker picks one by rendezvous hashing of the user over those indices, so a user's tabs meet on
// one relay and a new relay takes only its share of new sockets: nobody already connected moves.

/** On the room's answer to an upgrade it hands to relays: `{"relays": n, "full": [i, ...]}`. */
export const RELAYS_HEADER = "X-Edge-Chat-Relays";

export type Placement = { relays: number; full: number[] };

/** Sockets per object (RELAY_SOCKETS, default 1000): the room's own share, and each relay's. */
export const relayThreshold = (env: Env) => Math.max(1, Number(env.RELAY_SOCKETS) || 1000);

/** The room's answer when the socket belongs on a relay (not an upgrade: the worker goes on). */
export const relayedResponse = (p: Placement) => new Response(null, { status: 307, headers: { [RELAYS_HEADER]: JSON.stringify(p) } });

export function placementOf(res: Response): Placement | null {
  const raw = res.headers.get(RELAYS_HEADER);
  return raw ? (JSON.parse(raw) as Placement) : null;
}

/** A relay object's name: `<room id>:<index>`. */
export const relayName = (roomId: number, index: number) => `${roomId}:${index}`;

export function parseRelayName(name: string | undefined): { roomId: number; index: number } {
  const m = /^(\d+):(\d+)$/.exec(name ?? "");
  return { roomId: Number(m?.[1] ?? 0), index: Number(m?.[2] ?? 0) };
}

/** 32-bit FNV-1a with a final avalanche: a stable, well-spread score (no crypto needed here). */
function score(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/**
 * Rendezvous (highest random weight) hashing: each relay index scores `roomId:index:userId`, the
 * highest that is not full wins. Adding relay n moves no existing socket and draws about 1/(n+1)
 * of new ones.
 */
export function pickRelay(roomId: number, userId: number, p: Placement): number {
  let best = -1;
  let top = -1;
  for (let i = 0; i < p.relays; i++) {
    if (p.full.includes(i)) continue;
    const s = score(`${roomId}:${i}:${userId}`);
    if (s > top) [best, top] = [i, s];
  }
  // Every relay full (the room counts one more for this case): the last one takes it.
  return best < 0 ? p.relays - 1 : best;
}
