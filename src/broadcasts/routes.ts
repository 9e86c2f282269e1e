// Admin broadcasts (mounted at /broadcasts, system admins only): send an announcement into a list
// of group rooms or into every group room, and follow its delivery. The message itself is posted
// by the broadcast's own Durable Object (sender.ts); this module records the broadcast and starts it.
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb, inIds } from "../db/client";
import { broadcasts, rooms, type BroadcastRow } from "../db/schema";
import { router } from "../http/app-env";
import { conflict, forbidden, notFound } from "../http/errors";
import { id, json, jsonBody, PageQuery, pick } from "../http/schemas";
import { MAX_CONTENT, messageInput } from "../room/protocol";
import { retryOnce } from "../room/client";
import { senderStub } from "./sender";

const Broadcast = z
  .object({
    id: z.number().int(),
    content: z.string(),
    sender: z.object({ id: z.number().int().nullable(), username: z.string() }),
    target: z.enum(["rooms", "all_rooms"]),
    room_ids: z.array(z.number().int()).nullable().openapi({ description: "The rooms asked for; null for all group rooms" }),
    status: z.enum(["sending", "done"]),
    rooms_total: z.number().int().openapi({ description: "Target rooms when it was sent" }),
    rooms_delivered: z.number().int().openapi({ description: "Rooms whose log holds the message (rooms deleted meanwhile are not counted)" }),
    client_id: z.string().nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("Broadcast");

const NewBroadcast = z
  .object({
    content: z.string().trim().min(1).max(MAX_CONTENT),
    room_ids: z
      .array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER))
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, "room ids must not repeat")
      .optional(),
    all_rooms: z.literal(true).optional(),
    client_id: messageInput.client_id,
  })
  .strict()
  .refine((b) => !!b.room_ids !== !!b.all_rooms, { message: "give room_ids or all_rooms: true, not both", path: ["room_ids"] })
  .openapi("NewBroadcast");
type NewBroadcast = z.infer<typeof NewBroadcast>;

const toResponse = (b: BroadcastRow): z.infer<typeof Broadcast> => ({
  id: b.id,
  content: b.content,
  sender: { id: b.senderId, username: b.senderName },
  target: b.roomIds ? "rooms" : "all_rooms",
  room_ids: b.roomIds ? (JSON.parse(b.roomIds) as number[]) : null,
  status: b.status,
  rooms_total: b.roomsTotal,
  rooms_delivered: b.roomsDelivered,
  client_id: b.clientId,
  created_at: b.createdAt,
  finished_at: b.finishedAt,
});

/** A retried send must ask for the same thing; the same client_id for another broadcast is a conflict. */
const sameBroadcast = (row: BroadcastRow, b: NewBroadcast) =>
  row.content === b.content && row.roomIds === (b.room_ids ? JSON.stringify([...b.room_ids].sort((x, y) => x - y)) : null);

/**
 * Starts (or resumes) delivery. The broadcast is recorded either way: if its object cannot be
 * reached now, the cron sweep (resumeBroadcasts) or the next look at it starts it, so this never
 * turns an accepted broadcast into an error that invites a second one.
 */
async function start(env: Env, b: BroadcastRow) {
  if (b.status !== "sending") return;
  await retryOnce(() => senderStub(env, b.id).start(b.id)).catch((err: unknown) => console.error(`broadcast ${b.id}: start failed, left to the sweep`, err));
}

const adminOnly = (isAdmin: boolean) => {
  if (!isAdmin) throw forbidden("Only system admins manage broadcasts");
};

const BroadcastIdParam = z.object({ broadcast_id: id("broadcast_id") });

export const broadcastRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["broadcasts"],
      summary:
        "Broadcast an announcement (system admins): posted as a `system` message into the given group rooms, or into every group room with `all_rooms: true`. Delivered in the background, room by room; a `client_id` makes a retry return the first broadcast instead of sending again",
      request: { ...jsonBody(NewBroadcast) },
      responses: {
        202: json(Broadcast, "Accepted: delivery has started"),
        200: json(Broadcast, "A retry: the broadcast first sent with this client_id"),
        ...pick(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const me = c.var.user;
      adminOnly(me.isAdmin);
      const b = c.req.valid("json");
      const db = getDb(c.env.DB);
      const retried = async () => {
        const prior = b.client_id ? await db.select().from(broadcasts).where(and(eq(broadcasts.senderId, me.id), eq(broadcasts.clientId, b.client_id))).get() : undefined;
        if (!prior) return undefined;
        if (!sameBroadcast(prior, b)) throw conflict("client_id_conflict", "This client_id was already used for a different broadcast");
        // Resuming is harmless: delivery is exactly once per room whatever happened to the first call.
        await start(c.env, prior);
        return c.json(toResponse(prior), 200);
      };
      const first = await retried();
      if (first) return first;

      let roomIds: string | null = null;
      let total: number;
      let upTo = 0;
      if (b.room_ids) {
        // One bound parameter for the whole list (D1 allows 100 per statement).
        const found = await db
          .select({ id: rooms.id })
          .from(rooms)
          .where(and(inIds(rooms.id, b.room_ids), eq(rooms.kind, "group")))
          .all();
        const missing = b.room_ids.filter((rid) => !found.some((r) => r.id === rid));
        if (missing.length) throw notFound(`Group room ${missing.join(", ")}`, "room_not_found");
        roomIds = JSON.stringify([...b.room_ids].sort((x, y) => x - y));
        total = b.room_ids.length;
      } else {
        // Every group room that exists now; rooms created while it is delivered are not included.
        const row = await db
          .select({ upTo: sql<number>`coalesce(max(${rooms.id}), 0)`, total: sql<number>`count(*) FILTER (WHERE ${rooms.kind} = 'group')` })
          .from(rooms)
          .get();
        upTo = row?.upTo ?? 0;
        total = row?.total ?? 0;
      }
      // A concurrent retry with the same client_id may win the insert: then this one is the retry.
      const created = await db
        .insert(broadcasts)
        .values({ senderId: me.id, senderName: me.username, content: b.content, roomIds, upToRoomId: upTo, roomsTotal: total, clientId: b.client_id ?? null })
        .onConflictDoNothing()
        .returning()
        .get();
      if (!created) return (await retried())!;
      await start(c.env, created);
      return c.json(toResponse(created), 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["broadcasts"],
      summary: "Broadcasts sent, newest first, with their delivery progress (system admins)",
      request: { query: PageQuery },
      responses: { 200: json(z.array(Broadcast)), ...pick(400, 401, 403) },
    }),
    async (c) => {
      adminOnly(c.var.user.isAdmin);
      const { limit, offset } = c.req.valid("query");
      const rows = await getDb(c.env.DB).select().from(broadcasts).orderBy(desc(broadcasts.id)).limit(limit).offset(offset).all();
      return c.json(rows.map(toResponse), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{broadcast_id}",
      tags: ["broadcasts"],
      summary: "One broadcast and its delivery progress (system admins)",
      request: { params: BroadcastIdParam },
      responses: { 200: json(Broadcast), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      adminOnly(c.var.user.isAdmin);
      const row = await getDb(c.env.DB).select().from(broadcasts).where(eq(broadcasts.id, c.req.valid("param").broadcast_id)).get();
      if (!row) throw notFound("Broadcast", "broadcast_not_found");
      await start(c.env, row);
      return c.json(toResponse(row), 200);
    },
  );
