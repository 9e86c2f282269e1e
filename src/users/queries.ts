// User lookups and writes other doors and features need: a username to its account id
// (case-insensitive, as logins match), one's own row, and the profile update that also reads the
// picture it replaces.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
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
