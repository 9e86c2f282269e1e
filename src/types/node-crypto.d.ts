// The one node:crypto function we use (nodejs_compat): a synchronous HMAC, so the room object can
// sign media URLs without an await between storing a message and broadcasting it.
declare module "node:crypto" {
  interface Hmac {
    update(data: string): Hmac;
    digest(encoding: "hex" | "base64url"): string;
  }
  export function createHmac(algorithm: "sha256", key: string): Hmac;
  export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}
