// Substring filters from user input, for D1 and the room objects' SQLite alike.
import { sql, type SQLWrapper } from "drizzle-orm";

/** `%q%` with LIKE's wildcards escaped (for `ESCAPE '\'`). */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** SQL condition: `column` contains `q` as typed (case-insensitive for ASCII, as LIKE is). */
export const contains = (column: SQLWrapper, q: string) => sql`${column} LIKE ${likePattern(q)} ESCAPE '\\'`;
