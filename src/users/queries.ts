// User lookups other doors need: a username to its account id (case-insensitive, as logins match).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { users } from "../db/schema";

export async function userIdByUsername(db: Db, name: string): Promise<number | null> {
  const row = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.username}) = lower(${name})`)
    .get();
  return row?.id ?? null;
}
