// Nothing left behind in R2. Deleting a `files` row records its key in r2_cleanup in the same
// statement (a D1 trigger, migrations/0018), so no code path can forget an object. The request
// that deleted the rows then deletes the objects at once (purgeObjects); whatever fails there is
// retried by the cron (purgeCleanup) until it is gone. Uploads never attached to a message or a
// picture expire after UNATTACHED_UPLOAD_TTL_HOURS (expireUnattached).
import { errorFields, log } from "../ops/log";

/** R2 deletes at most 1000 keys per call. */
const R2_BATCH = 1000;

/** A non-negative number from a var, else the default. */
export const setting = (raw: string | undefined, fallback: number) => {
  const v = Number(raw);
  return raw !== undefined && raw !== "" && Number.isFinite(v) && v >= 0 ? v : fallback;
};
export const unattachedTtlHours = (env: Env) => setting(env.UNATTACHED_UPLOAD_TTL_HOURS, 24);

/**
 * Deletes these objects now, and their cleanup rows once they are gone. Never throws: a failure
 * leaves the rows for the cron, counted and with the error, and the caller's answer stands.
 */
export async function purgeObjects(env: Env, keys: string[]): Promise<number> {
  let purged = 0;
  for (let i = 0; i < keys.length; i += R2_BATCH) {
    const batch = keys.slice(i, i + R2_BATCH);
    const json = JSON.stringify(batch);
    try {
      await env.MEDIA.delete(batch);
    } catch (err) {
      log("warn", "r2 cleanup: delete failed, retried by the cron", { keys: batch.length, ...errorFields(err) });
      await env.DB.prepare("UPDATE r2_cleanup SET attempts = attempts + 1, last_error = ?2 WHERE key IN (SELECT value FROM json_each(?1))")
        .bind(json, String(err instanceof Error ? err.message : err).slice(0, 500))
        .run()
        .catch(() => {});
      continue;
    }
    // R2 deletes are idempotent: a key deleted twice (request and cron racing) is still gone.
    await env.DB.prepare("DELETE FROM r2_cleanup WHERE key IN (SELECT value FROM json_each(?))")
      .bind(json)
      .run()
      .catch((err) => log("warn", "r2 cleanup: objects deleted, rows kept for the cron", errorFields(err)));
    purged += batch.length;
  }
  return purged;
}

/** The cron's pass over r2_cleanup: oldest first, up to `batches` R2 calls. Returns keys purged and left. */
export async function purgeCleanup(env: Env, batches = 10): Promise<{ purged: number; left: number }> {
  let purged = 0;
  for (let i = 0; i < batches; i++) {
    const rows = await env.DB.prepare("SELECT key FROM r2_cleanup ORDER BY created_at, key LIMIT ?").bind(R2_BATCH).all<{ key: string }>();
    if (!rows.results.length) break;
    const done = await purgeObjects(env, rows.results.map((r) => r.key));
    purged += done;
    if (done < rows.results.length) break; // R2 is failing: try again at the next run
  }
  const left = (await env.DB.prepare("SELECT count(*) AS n FROM r2_cleanup").first<{ n: number }>())?.n ?? 0;
  return { purged, left };
}

/** Deletes media uploads older than the TTL that were never attached to a room; their keys go to r2_cleanup. */
export async function expireUnattached(env: Env, now = Date.now()): Promise<number> {
  const hours = unattachedTtlHours(env);
  if (!hours) return 0;
  const cutoff = new Date(now - hours * 3_600_000).toISOString();
  const res = await env.DB.prepare(
    `DELETE FROM files WHERE id IN (
       SELECT id FROM files WHERE room_id IS NULL AND purpose = 'media' AND created_at < ?1 ORDER BY created_at LIMIT 1000)`,
  )
    .bind(cutoff)
    .run();
  return res.meta.changes ?? 0;
}
