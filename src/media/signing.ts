// Signed media URLs: `/api/v1/files/{id}?exp=<unix seconds>&sig=<hex>` lets <img>/<audio> fetch a
// file without an Authorization header. HMAC-SHA256 over the file id and expiry, keyed by
// JWT_SECRET with a domain prefix so a media signature can never pass as anything else.
// Synchronous (node:crypto) on purpose: the room object signs while it broadcasts, in one turn.
import { createHmac, timingSafeEqual } from "node:crypto";

const DOMAIN = "edge-chat/media-url/v1";
const enc = new TextEncoder();

const ttl = (env: Env) => Number(env.MEDIA_URL_TTL_SECONDS) || 3600;

const mac = (env: Env, fileId: number, exp: number) =>
  createHmac("sha256", `${DOMAIN}:${env.JWT_SECRET}`).update(`${fileId}.${exp}`).digest("hex");

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
