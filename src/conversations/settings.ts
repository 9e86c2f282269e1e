// Per-member conversation settings (mute, hide, cleared history) for the caller's own membership,
// in group rooms and direct chats alike. "Muted forever" is MUTE_FOREVER, a far-future time.
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { roomMembers, rooms } from "../db/schema";
import type { Context } from "hono";
import { router, type AppEnv } from "../http/app-env";
import { json, jsonBody, pick, RoomIdParam } from "../http/schemas";
import { roomStub } from "../room/client";
import { loadRoom, require } from "../rooms/access";

export const MUTE_FOREVER = "9999-12-31T23:59:59.999Z";

const SettingsUpdate = z
  .object({
    muted_until: z.iso
      .datetime({ offset: true })
      .nullable()
      .openapi({ description: `Mute until this time; null unmutes; ${MUTE_FOREVER} mutes forever` }),
    hidden: z.boolean().openapi({ description: "Hide the conversation from GET /conversations until a new message arrives" }),
  })
  .partial()
  .strict()
  .openapi("ConversationSettingsUpdate");

export const SettingsResponse = z
  .object({
    room_id: z.number().int(),
    muted: z.boolean(),
    muted_until: z.string().nullable(),
    hidden: z.boolean(),
    history_cleared_up_to: z.number().int().openapi({ description: "You cleared your history up to this message id (0: never)" }),
  })
  .openapi("ConversationSettings");

export const isMuted = (mutedUntil: string | null, now = new Date().toISOString()) => mutedUntil !== null && mutedUntil > now;

const toResponse = (m: { roomId: number; mutedUntil: string | null; hidden: boolean; cleared: number }) => ({
  room_id: m.roomId,
  muted: isMuted(m.mutedUntil),
  muted_until: m.mutedUntil,
  hidden: m.hidden,
  history_cleared_up_to: m.cleared,
});

const cols = { roomId: roomMembers.roomId, mutedUntil: roomMembers.mutedUntil, hidden: roomMembers.hidden, cleared: roomMembers.clearedMessageId };

const notMember = "Only members have conversation settings and history of their own";

/** The caller's own active membership of a room or direct chat, or 403/404. */
async function ownMembership(c: Context<AppEnv>, roomId: number) {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  const access = await loadRoom(db, roomId, me, { kinds: ["group", "direct"] });
  require(access.role !== null, notMember, "not_a_member");
  return { db, me, access };
}

export const settingsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/settings",
      tags: ["conversations"],
      summary: "Your own settings for a room or direct chat (active members)",
      request: { params: RoomIdParam },
      responses: { 200: json(SettingsResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { db, me, access } = await ownMembership(c, c.req.valid("param").room_id);
      const row = await db
        .select(cols)
        .from(roomMembers)
        .where(and(eq(roomMembers.roomId, access.room.id), eq(roomMembers.userId, me.id)))
        .get();
      return c.json(toResponse(row!), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{room_id}/settings",
      tags: ["conversations"],
      summary: `Mute (until a time; ${MUTE_FOREVER} = forever; null unmutes) or hide your own view of a room or direct chat`,
      request: { params: RoomIdParam, ...jsonBody(SettingsUpdate) },
      responses: { 200: json(SettingsResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const { db, me, access } = await ownMembership(c, c.req.valid("param").room_id);
      const patch = {
        // Normalized to UTC with Z so that string comparison with other timestamps is time order.
        ...(b.muted_until !== undefined && { mutedUntil: b.muted_until === null ? null : new Date(b.muted_until).toISOString() }),
        // Hiding remembers where the room was: any later message brings it back to the inbox.
        ...(b.hidden !== undefined && {
          hidden: b.hidden,
          hiddenAtMessageId: b.hidden ? sql<number>`(SELECT ${rooms.lastMessageId} FROM ${rooms} WHERE ${rooms.id} = ${access.room.id})` : 0,
        }),
      };
      const where = and(eq(roomMembers.roomId, access.room.id), eq(roomMembers.userId, me.id), eq(roomMembers.status, "active"));
      const row = Object.keys(patch).length
        ? await db.update(roomMembers).set(patch).where(where).returning(cols).get()
        : await db.select(cols).from(roomMembers).where(where).get();
      return c.json(toResponse(row!), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/clear-history",
      tags: ["conversations"],
      summary:
        "Clear a room's or direct chat's history for yourself: every message so far leaves your history, search, single-message reads and socket replays, and counts as read. The others keep theirs",
      request: { params: RoomIdParam },
      responses: { 200: json(SettingsResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { db, me, access } = await ownMembership(c, c.req.valid("param").room_id);
      // The room's own last id, not D1's summary (up to a second behind): "so far" includes the
      // message that just arrived.
      const last = await roomStub(c.env, access.room.id).lastMessageId();
      const row = await db
        .update(roomMembers)
        .set({ clearedMessageId: sql`max(${roomMembers.clearedMessageId}, ${last})`, lastReadMessageId: sql`max(${roomMembers.lastReadMessageId}, ${last})` })
        .where(and(eq(roomMembers.roomId, access.room.id), eq(roomMembers.userId, me.id), eq(roomMembers.status, "active")))
        .returning(cols)
        .get();
      require(!!row, notMember, "not_a_member");
      return c.json(toResponse(row!), 200);
    },
  );
