// The cron's housekeeping (wrangler.toml triggers): expired unattached uploads, events and spent
// guessing counters go, and R2 objects whose rows are gone are deleted until none is left. Each step is bounded and
// independent: one failing does not stop the others, and whatever is left waits for the next run.
import { sweepFailures } from "../auth/guesses";
import { getDb } from "../db/client";
import { expireUnattached, purgeCleanup, setting } from "../media/cleanup";
import { errorFields, log } from "./log";

export const eventsRetentionDays = (env: Env) => setting(env.EVENTS_RETENTION_DAYS, 30);

/** Deletes events older than EVENTS_RETENTION_DAYS ("0" keeps them), at most 10 000 a run. */
export async function expireEvents(env: Env, now = Date.now()): Promise<number> {
  const days = eventsRetentionDays(env);
  if (!days) return 0;
  const cutoff = new Date(now - days * 86_400_000).toISOString();
  const res = await env.DB.prepare(
    "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < ? ORDER BY created_at LIMIT 10000)",
  )
    .bind(cutoff)
    .run();
  return res.meta.changes ?? 0;
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (err) {
    log("error", "cleanup step failed", { step: name, ...errorFields(err) });
    return null;
  }
}

export async function runCleanup(env: Env, now = Date.now()) {
  const expiredUploads = await step("unattached uploads", () => expireUnattached(env, now));
  const expiredEvents = await step("events", () => expireEvents(env, now));
  const failures = await step("auth failures", () => sweepFailures(getDb(env.DB), env, now));
  // Last: the keys of the uploads just expired go in the same run.
  const r2 = await step("r2 cleanup", () => purgeCleanup(env));
  const report = { expired_uploads: expiredUploads, expired_events: expiredEvents, auth_failures_swept: failures, r2_purged: r2?.purged ?? null, r2_left: r2?.left ?? null };
  log("info", "cleanup", report);
  return report;
}
