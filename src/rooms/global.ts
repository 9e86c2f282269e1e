// The global room: one public group every signed-in user can read and post to without joining
// (the reference documents' room "global"). It is an ordinary room in every other way (its own
// Durable Object, history, sockets, bans, archive), created on first use and owned by nobody:
// only system admins manage it. A user is admitted on their first touch (loadRoom), through the
// same guarded admission as any join, so a ban from the global room keeps that user out.
import { eq } from "drizzle-orm";
import { getDb } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { rooms } from "../db/schema";
import type { AuthUser } from "../http/app-env";

export const GLOBAL_ROOM_NAME = "global";

/** The global room's id, creating the room on first use (the caller is recorded as its creator only). */
export async function globalRoomId(env: Env, user: AuthUser): Promise<number> {
  const db = getDb(env.DB);
  const find = () => db.select({ id: rooms.id }).from(rooms).where(eq(rooms.isGlobal, true)).get();
  const found = await find();
  if (found) return found.id;
  // A user's room may already be called "global": the global room then takes a suffixed name.
  for (const name of [GLOBAL_ROOM_NAME, `${GLOBAL_ROOM_NAME}-${crypto.randomUUID().slice(0, 8)}`]) {
    try {
      const row = await db
        .insert(rooms)
        .values({
          name,
          description: "The room every signed-in user can read and post to",
          visibility: "public",
          requireApproval: false,
          creatorId: user.id,
          isGlobal: true,
        })
        .returning({ id: rooms.id })
        .get();
      return row.id;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // Another request created it meanwhile, or the name is taken: look again, else try the next name.
      const now = await find();
      if (now) return now.id;
    }
  }
  throw new Error("global room: could not be created");
}
