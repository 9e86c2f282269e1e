// Threads, for every door (docs/threads.md): list a room's threads, page one, set the caller's read
// position in it, follow and unfollow. Authorized here from D1 (anyone who may read the room reads
// its threads; following and reading are for members); the room object keeps the threads with its
// messages and counts their unread replies. Sending into a thread is a send (messages/service.ts).
import { badRequest } from "../http/errors";
import { actorOf, memberAccess, unwrap, type Caller } from "../messages/common";
import { roomStub } from "../room/client";
import type { ThreadList, ThreadPage, ThreadQuery } from "../room/threads";
import { canPost, canView } from "../rooms/access";

/** The room's threads, newest activity first, with the caller's unread count and following in each. */
export async function listThreads(c: Caller, roomId: number, q: { limit: number; cursor?: number }): Promise<ThreadList> {
  const access = await memberAccess(c, roomId, canView);
  return roomStub(c.env, roomId).threadList(c.var.user.id, { ...q, cleared: access.cleared });
}

/** A page of a thread's replies, oldest first, with its root (a tombstone once deleted). */
export async function readThread(c: Caller, roomId: number, rootId: number, q: Omit<ThreadQuery, "cleared">): Promise<ThreadPage> {
  const access = await memberAccess(c, roomId, canView);
  const { ok: _, ...page } = unwrap(await roomStub(c.env, roomId).threadPage(rootId, { ...q, cleared: access.cleared }, c.var.user.id));
  return page;
}

/** Moves the caller's read position in the thread (default: its latest reply); their counts after it. */
export async function markThreadRead(c: Caller, roomId: number, rootId: number, messageId?: number) {
  await memberAccess(c, roomId, canPost);
  const { ok: _, ...read } = unwrap(await roomStub(c.env, roomId).threadRead(actorOf(c), rootId, messageId));
  return read;
}

/** Follows or unfollows a thread (idempotent). */
export async function followThread(c: Caller, roomId: number, rootId: number, on: boolean) {
  await memberAccess(c, roomId, canPost);
  const { ok: _, ...r } = unwrap(await roomStub(c.env, roomId).threadFollow(actorOf(c), rootId, on));
  return r;
}

export const threadCursor = (raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(n) || n < 1) throw badRequest("invalid_cursor", "cursor is not a value this API returned");
  return n;
};
