// Recognizing constraint violations from D1 (drizzle wraps the driver error in `cause`).
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed/i.test(e.message)) return true;
  }
  return false;
}

/** A foreign key failed: what the row points at was deleted meanwhile (a room, a user). */
export function isForeignKeyViolation(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (/FOREIGN KEY constraint failed/i.test(e.message)) return true;
  }
  return false;
}
