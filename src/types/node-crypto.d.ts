// The node:crypto functions we use (nodejs_compat): a synchronous HMAC, so the room object can sign
// media URLs without an await between storing a message and broadcasting it, and the synchronous
// HKDF that derives the media key from JWT_SECRET once.
declare module "node:crypto" {
  interface Hmac {
    update(data: string): Hmac;
    digest(encoding: "hex" | "base64url"): string;
  }
  export function createHmac(algorithm: "sha256", key: string | Uint8Array): Hmac;
  export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  export function hkdfSync(digest: "sha256", ikm: string, salt: string, info: string, keylen: number): ArrayBuffer;
}
