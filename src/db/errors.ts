// Recognizing constraint violations from D1 (drizzle wraps the driver error in `cause`).

/** Whether `err`, or any error in its `cause` chain, is SQLite's report of that failed constraint. */
const failed = (kind: RegExp) => (err: unknown): boolean => {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (kind.test(e.message)) return true;
  return false;
};

export const isUniqueViolation = failed(/UNIQUE constraint failed/i);

/** A foreign key failed: what the row points at was deleted meanwhile (a room, a user). */
export const isForeignKeyViolation = failed(/FOREIGN KEY constraint failed/i);
