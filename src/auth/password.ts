// Password hashing: PBKDF2-SHA256 through WebCrypto with a per-user salt. workerd refuses more
// than 100 000 iterations in production, so that is both the cost and the cap.
import { invalidRequest } from "../http/errors";

export const PBKDF2_ITERATIONS = 100_000;

/** The one password policy of every door: at least PASSWORD_MIN_LENGTH characters (default 8). */
export const passwordMinLength = (env: Env) => Math.max(1, Number(env.PASSWORD_MIN_LENGTH) || 8);

/** What is wrong with a new password under the policy, or null. */
export function passwordProblem(env: Env, password: string): string | null {
  const min = passwordMinLength(env);
  return [...password].length < min ? `at least ${min} characters` : null;
}

/** 400 invalid_request naming the field (`body.password`) when a new password breaks the policy. */
export function assertPasswordPolicy(env: Env, password: string, path: string) {
  const problem = passwordProblem(env, password);
  if (problem) throw invalidRequest([{ path, message: problem }]);
}

const enc = new TextEncoder();
const b64 = (buf: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(buf)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<ArrayBuffer> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  return crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
}

export async function hashPassword(password: string) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return { passwordHash: b64(hash), passwordSalt: b64(salt), passwordIterations: PBKDF2_ITERATIONS };
}

export async function verifyPassword(
  password: string,
  stored: { passwordHash: string; passwordSalt: string; passwordIterations: number },
): Promise<boolean> {
  const actual = new Uint8Array(await derive(password, unb64(stored.passwordSalt), stored.passwordIterations));
  const expected = unb64(stored.passwordHash);
  if (actual.byteLength !== expected.byteLength) return false;
  return crypto.subtle.timingSafeEqual(actual, expected);
}

/** Burns the same time as a real check, so a wrong username is not faster than a wrong password. */
let dummy: Promise<Awaited<ReturnType<typeof hashPassword>>> | undefined;
export async function verifyAgainstNothing(password: string) {
  dummy ??= hashPassword("timing-equaliser");
  await verifyPassword(password, await dummy);
  return false;
}
