// What every table file shares: the default timestamp (ISO 8601 UTC with milliseconds, the
// format every API answer uses), computed by SQLite itself so a row written by raw SQL gets it too.
import { sql } from "drizzle-orm";

export const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;
