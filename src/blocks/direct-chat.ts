// Keeps a direct chat's room object in step with blocks: while either user blocks the other, the
// room refuses messages from both, over REST and sockets alike.
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { rooms } from "../db/schema";
import { directKey } from "../conversations/routes";
import { roomStub } from "../room/client";
import { isBlockedEitherWay } from "./queries";

export async function syncDirectChatBlock(env: Env, db: Db, a: number, b: number): Promise<void> {
  const [room, blocked] = await Promise.all([
    db.select({ id: rooms.id }).from(rooms).where(eq(rooms.directKey, directKey(a, b))).get(),
    isBlockedEitherWay(db, a, b),
  ]);
  if (room) await roomStub(env, room.id).setPostingBlocked(room.id, blocked);
}
