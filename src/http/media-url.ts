// Signed media URLs: `/api/v1/files/{id}?exp=<unix seconds>&sig=<hex>` lets <img>/<audio> fetch a
// file without an Authorization header. Shared plumbing: the room object signs as it renders
// messages, the media routes check. HMAC-SHA256 over the file id and expiry, keyed by a key of
// its own derived from JWT_SECRET with HKDF (info "edge-chat/media-url/v1"), so a media signature
// can never pass as anything else and a leaked media key says nothing about the token key.
// Synchronous (node:crypto) on purpose: the room object signs while it broadcasts, in one turn.
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

const DOMAIN = "edge-chat/media-url/v1";
const enc = new TextEncoder();

const ttl = (env: Env) => Number(env.MEDIA_URL_TTL_SECONDS) || 3600;

/** The media key, derived once per secret. No secret, no key: nothing is ever signed with an empty one. */
let derived: { secret: string; key: Uint8Array } | undefined;
function mediaKey(env: Env): Uint8Array {
  const secret = env.JWT_SECRET;
  if (typeof secret !== "string" || !secret) throw new Error("JWT_SECRET is missing: refusing to sign or check a media URL");
  if (derived?.secret !== secret) derived = { secret, key: new Uint8Array(hkdfSync("sha256", secret, "", DOMAIN, 32)) };
  return derived.key;
}

const mac = (env: Env, fileId: number, exp: number) => createHmac("sha256", mediaKey(env)).update(`${fileId}.${exp}`).digest("hex");

/** Expiries are rounded up to this many seconds, so a URL re-issued within the window is the same URL and browsers can cache the file. */
export const URL_WINDOW_SECONDS = 300;

export function signedFileUrl(env: Env, fileId: number, now = Date.now()): string {
  // Valid for at least the configured lifetime, at most one window more.
  const exp = Math.ceil((Math.floor(now / 1000) + ttl(env)) / URL_WINDOW_SECONDS) * URL_WINDOW_SECONDS;
  return `/api/v1/files/${fileId}?exp=${exp}&sig=${mac(env, fileId, exp)}`;
}

export type SignatureCheck = "valid" | "expired" | "invalid";

export function checkSignature(env: Env, fileId: number, exp: string | undefined, sig: string | undefined, now = Date.now()): SignatureCheck {
  if (!exp || !sig || !/^\d{1,12}$/.test(exp) || !/^[0-9a-f]{64}$/.test(sig)) return "invalid";
  const expected = mac(env, fileId, Number(exp));
  if (!timingSafeEqual(enc.encode(expected), enc.encode(sig))) return "invalid";
  return Number(exp) * 1000 < now ? "expired" : "valid";
}
