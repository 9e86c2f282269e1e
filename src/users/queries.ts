// User lookups and writes other doors and features need: a username to its account id
// (case-insensitive, as logins match), one's own row, and the profile update that also reads the
// picture it replaces; and the batch lookups the reference documents' doors need (names, ids by
// username, pictures, whether an account still exists), one query each whatever the page size.
import { eq, sql } from "drizzle-orm";
import { inIds, type Db } from "../db/client";
import { users } from "../db/schema";
import { notFound } from "../http/errors";

export async function userIdByUsername(db: Db, name: string): Promise<number | null> {
  const row = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.username}) = lower(${name})`)
    .get();
  return row?.id ?? null;
}

/** The caller's own row; 404 when the account went meanwhile. */
export async function loadSelf(db: Db, id: number) {
  const me = await db.select().from(users).where(eq(users.id, id)).get();
  if (!me) throw notFound("User");
  return me;
}

/**
 * Updates a user (a new picture, none, or other profile fields) in one batch that also reads the
 * uploaded picture it may replace: the batch is one transaction, so two concurrent changes each see
 * what they themselves replaced. Rooms' pictures go the same way (avatars/service.ts).
 */
export async function updateUser(db: Db, userId: number, set: Partial<typeof users.$inferInsert>) {
  const [[before], [after]] = await db.batch([
    db.select({ fileId: users.avatarFileId }).from(users).where(eq(users.id, userId)),
    db
      .update(users)
      .set({ ...set, updatedAt: new Date().toISOString() })
      .where(eq(users.id, userId))
      .returning(),
  ]);
  return { replaced: before?.fileId ?? null, user: after };
}

/** Names of the users behind `ids`: one query; ids bound as one JSON parameter (D1's 100-parameter cap). */
export const namesByIds = (db: Db, ids: number[]) =>
  db.select({ id: users.id, username: users.username, display_name: users.displayName }).from(users).where(inIds(users.id, ids)).all();

/** Ids of the accounts whose usernames (lower-cased) are among `lowerNames`: one query, matched as logins match. */
export const idsByUsernames = (db: Db, lowerNames: string[]) =>
  db
    .select({ id: users.id, username: users.username })
    .from(users)
    .where(sql`lower(${users.username}) IN (SELECT value FROM json_each(${JSON.stringify(lowerNames)}))`)
    .all();

/** Picture URLs of the users behind `ids`: one query. */
export const avatarUrlsByIds = (db: Db, ids: number[]) => db.select({ id: users.id, avatar: users.avatarUrl }).from(users).where(inIds(users.id, ids)).all();

/** Whether an account with this id exists (a signed token may outlive its account). */
export async function userExists(db: Db, id: number): Promise<boolean> {
  return !!(await db.select({ id: users.id }).from(users).where(eq(users.id, id)).get());
}
