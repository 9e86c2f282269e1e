// One drizzle handle per request over the D1 binding, and the raw-statement helper for batches.
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export const getDb = (d1: D1Database) => drizzle(d1, { schema });
export type Db = ReturnType<typeof getDb>;

/**
 * `column IN (ids)` with the ids as one JSON parameter: D1 (and Durable Object SQLite) bind at most
 * 100 parameters per statement, which a list of 100 ids plus anything else would pass.
 */
export const inIds = (column: SQLWrapper, ids: readonly number[]) => sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;

/**
 * db.run(sql) that can go into db.batch(). drizzle-orm's D1 batch binds parameters on a prepared
 * statement that raw queries never get, so a raw query with parameters throws inside a batch
 * (drizzle-orm issue #2277, open as of 0.45). Batch results are the raw D1Result.
 */
export function batchRun(db: Db, query: SQL) {
  const raw = db.run(query);
  return Object.assign(raw, { stmt: db.$client.prepare(raw.getQuery().sql) });
}

/**
 * A batch statement that fails, and so rolls the whole batch back, when `condition` holds after
 * the statements before it: SQLite has no RAISE outside triggers, so it evaluates json() of a text
 * that is not JSON, only then. Recognize the failure with isAbort.
 */
export function abortIf(db: Db, condition: SQL) {
  return batchRun(db, sql`SELECT CASE WHEN ${condition} THEN json('abort') END`);
}
export const isAbort = (e: unknown) => /malformed JSON/i.test(e instanceof Error ? `${e.message} ${String(e.cause ?? "")}` : String(e));

/** One row of a read model's select (`selectX(db)`): what its `toResponse` takes. */
export type RowOf<S extends (...args: any[]) => { all: (...args: any[]) => Promise<unknown[]> }> = Awaited<ReturnType<ReturnType<S>["all"]>>[number];
