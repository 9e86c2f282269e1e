// The guessing throttles: failed password checks counted per key in D1, never successful ones, so
// a class behind one school address signs in freely while a guesser is stopped. The Rate Limiting
// binding cannot do this: it counts every call and has no "was this one a failure" afterwards, and
// a lock must be readable before the password is hashed. So a failure bumps a fixed-window counter
// (one upsert per key, in one batch), a key that reaches its limit is locked until the window's end,
// and a check reads every key's lock in one query before any PBKDF2. docs/security.md.
import { inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { authFailures } from "../db/schema";
import { ApiError } from "../http/errors";

/** One counted key and how many failures in a window lock it. */
export type GuessKey = { key: string; limit: number };

/** The configured limits (wrangler.toml [vars]); defaults as documented in the README. */
export function guessLimits(env: Env) {
  const n = (v: string | undefined, d: number) => (Number(v) > 0 ? Number(v) : d);
  return {
    perAccount: n(env.LOGIN_FAILURES_PER_ACCOUNT, 10),
    perAddress: n(env.LOGIN_FAILURES_PER_ADDRESS, 100),
    perUser: n(env.PASSWORD_FAILURES_PER_USER, 5),
    windowMs: n(env.FAILURE_WINDOW_SECONDS, 60) * 1000,
  };
}

/** The keys of a sign-in: the account at this address, and the address across accounts. */
export function signInKeys(env: Env, username: string, address: string | null): GuessKey[] {
  const l = guessLimits(env);
  const keys = [{ key: `login:${username.toLowerCase()}|${address ?? "-"}`, limit: l.perAccount }];
  if (address) keys.push({ key: `address:${address}`, limit: l.perAddress });
  return keys;
}

/** The key of a signed-in user's password checks (profile contact change, password change, deletion). */
export const passwordKeys = (env: Env, userId: number): GuessKey[] => [{ key: `user:${userId}`, limit: guessLimits(env).perUser }];

/** 429 rate_limited with Retry-After when any key is locked: one query, before any hashing. */
export async function refuseIfLocked(db: Db, keys: GuessKey[], what: string, now = Date.now()): Promise<void> {
  const row = await db
    .select({ until: sql<number | null>`max(${authFailures.lockedUntil})` })
    .from(authFailures)
    .where(inArray(authFailures.key, keys.map((k) => k.key)))
    .get();
  const until = row?.until ?? 0;
  if (until <= now) return;
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  throw new ApiError(429, "rate_limited", `Too many ${what}; try again in ${seconds} seconds`, {
    headers: { "Retry-After": String(seconds) },
    retry_after: seconds,
  });
}

/**
 * Counts one failure on every key (one batch): a window older than windowMs restarts at 1, and a
 * key reaching its limit is locked until now + windowMs. SET expressions read the old row.
 */
export async function countFailure(db: Db, env: Env, keys: GuessKey[], now = Date.now()): Promise<void> {
  const { windowMs } = guessLimits(env);
  const stale = sql`${authFailures.windowStart} <= ${now - windowMs}`;
  const next = sql`CASE WHEN ${stale} THEN 1 ELSE ${authFailures.failures} + 1 END`;
  const [first, ...rest] = keys.map(({ key, limit }) =>
    db
      .insert(authFailures)
      .values({ key, windowStart: now, failures: 1, lockedUntil: limit <= 1 ? now + windowMs : 0 })
      .onConflictDoUpdate({
        target: authFailures.key,
        set: {
          failures: next,
          windowStart: sql`CASE WHEN ${stale} THEN ${now} ELSE ${authFailures.windowStart} END`,
          lockedUntil: sql`CASE WHEN ${next} >= ${limit} THEN ${now + windowMs} ELSE ${authFailures.lockedUntil} END`,
        },
      }),
  );
  if (first) await db.batch([first, ...rest]);
}

/** The cron's sweep: rows whose window and lock are both over. */
export async function sweepFailures(db: Db, env: Env, now = Date.now()): Promise<number> {
  const { windowMs } = guessLimits(env);
  const gone = await db
    .delete(authFailures)
    .where(sql`${authFailures.windowStart} <= ${now - windowMs} AND ${authFailures.lockedUntil} <= ${now}`)
    .returning({ key: authFailures.key });
  return gone.length;
}
