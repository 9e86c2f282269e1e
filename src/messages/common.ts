// What the message routes and the reaction routes share: the message as the API returns it, and
// the checks and conversions around every call into the room object.
import { z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { blockBetween } from "../blocks/queries";
import { getDb, type Db } from "../db/client";
import { roomMembers } from "../db/schema";
import type { AuthUser } from "../http/app-env";
import { ApiError, forbidden } from "../http/errors";
import { id, RoomIdParam } from "../http/schemas";
import { ChatMessage as RoomChatMessage, MAX_SEARCH_WORDS, type Actor, type Refusal } from "../room/protocol";
import { loadRoom, require, type RoomAccess } from "../rooms/access";

export const searchWords = (q: string) => new Set(q.split(/\s+/).filter(Boolean)).size;
export const SearchText = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((q) => searchWords(q) <= MAX_SEARCH_WORDS, { message: `at most ${MAX_SEARCH_WORDS} words` })
  .openapi({ description: `Words that must all occur (case-insensitive substrings, any script); at most ${MAX_SEARCH_WORDS} words` });

/** The room's message shape (room/protocol.ts), named for the OpenAPI document. */
// Rebuilt from the shape with this module's z: a schema made before @hono/zod-openapi loaded has no .openapi().
export const ChatMessage = z.object(RoomChatMessage.shape).openapi("ChatMessageResponse");

export const MessageParams = RoomIdParam.extend({ message_id: id("message_id") });

/** A point in time, any ISO 8601 offset, normalized to UTC `...Z` (how sent_at is stored). */
export const instant = z.iso
  .datetime({ offset: true })
  .transform((t) => new Date(t).toISOString())
  .openapi({ example: "2026-01-01T00:00:00Z" });

/** Who is calling: a Hono context of the app (or anything with its env and authenticated user). */
export type Caller = { env: Env; var: { user: AuthUser } };

/** A caller that can leave work running after the reply (pushes to the users' hubs). */
export type BackgroundCaller = Caller & { executionCtx: Pick<ExecutionContext, "waitUntil"> };

export const actorOf = (c: Caller): Actor => ({ id: c.var.user.id, username: c.var.user.username, display_name: c.var.user.displayName });

/** A refusal from the room object becomes the API's one error type. */
export function unwrap<R extends { ok: boolean }>(outcome: R): Extract<R, { ok: true }> {
  if (outcome.ok) return outcome as Extract<R, { ok: true }>;
  const result = outcome as unknown as Refusal;
  const headers = result.retry_after ? { "Retry-After": String(result.retry_after) } : undefined;
  throw new ApiError(result.status, result.code, result.detail, { ...(headers && { headers }), ...(result.retry_after && { retry_after: result.retry_after }) });
}

/**
 * In a direct chat, a block in either direction stops messages (a generic refusal), and so does the
 * other account's deletion (the inbox shows the chat as `disabled` in both cases).
 */
export async function assertNotBlocked(db: Db, access: RoomAccess) {
  if (access.room.kind !== "direct") return;
  const row = await db
    .select({ blocked: sql<number>`${blockBetween(access.user.id, roomMembers.userId)}` })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, access.room.id), sql`${roomMembers.userId} <> ${access.user.id}`))
    .get();
  if (!row || row.blocked) throw forbidden("You cannot send messages in this conversation", "cannot_message");
}

export async function memberAccess(c: Caller, roomId: number, need: (a: RoomAccess) => boolean) {
  const access = await loadRoom(getDb(c.env.DB), roomId, c.var.user, { kinds: ["group", "direct"] });
  require(need(access), "Only active members of this room can do this", "not_a_member");
  return access;
}

