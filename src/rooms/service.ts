// Room operations every door shares (the core routes and the dialects of src/dialects/).
import { desc, eq, or, sql } from "drizzle-orm";
import { contains } from "../db/like";
import { getDb } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { roomMembers, rooms } from "../db/schema";
import { conflict } from "../http/errors";
import type { Caller } from "../messages/common";
import { canView, loadRoom, require } from "./access";
import { getRoomResponse, selectRooms, toRoomResponse, whereAll } from "./queries";
import type { z } from "@hono/zod-openapi";
import type { RoomCreate, RoomListQuery } from "./schemas";

export const nameTaken = () => conflict("room_name_taken", "A room with this name already exists");

/** A validated ChatRoomCreate body (defaults applied). */
export type RoomDraft = z.output<typeof RoomCreate>;

/**
 * Creates a group room; the caller becomes its owner and first active member (one batch).
 * Names are unique case-insensitively: 409 room_name_taken. Returns ChatRoomResponse.
 */
export async function createRoom(c: Caller, b: RoomDraft) {
  const db = getDb(c.env.DB);
  const me = c.var.user;
  try {
    const [[room]] = await db.batch([
      db
        .insert(rooms)
        .values({
          name: b.name,
          description: b.description ?? null,
          visibility: b.visibility,
          requireApproval: b.require_approval,
          maxMembers: b.max_members ?? null,
          creatorId: me.id,
        })
        .returning(),
      db.insert(roomMembers).values({
        roomId: sql`(SELECT id FROM ${rooms} WHERE lower(${rooms.name}) = lower(${b.name}) AND ${rooms.kind} = 'group')`,
        userId: me.id,
        role: "owner",
      }),
    ]);
    return (await getRoomResponse(db, room.id, me.id))!;
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken();
    throw e;
  }
}

export type RoomListing = z.output<typeof RoomListQuery> & { limit: number; offset: number };

/**
 * The rooms the caller can see, most recently active first: public rooms and the private rooms
 * they belong to (system admins: every group); `q` searches names and descriptions.
 */
export async function listRooms(c: Caller, { visibility_filter, current_user_only, q, limit, offset }: RoomListing) {
  const me = c.var.user;
  const mine = sql`me.id IS NOT NULL`;
  const rows = await selectRooms(getDb(c.env.DB), me.id)
    .where(
      whereAll(
        eq(rooms.kind, "group"),
        visibility_filter === "all" ? undefined : eq(rooms.visibility, visibility_filter),
        current_user_only ? mine : me.isAdmin ? undefined : or(eq(rooms.visibility, "public"), mine),
        q ? or(contains(rooms.name, q), contains(rooms.description, q)) : undefined,
      ),
    )
    .orderBy(desc(rooms.lastActivityAt), desc(rooms.id))
    .limit(limit)
    .offset(offset)
    .all();
  return rows.map(toRoomResponse);
}

/** One room (group or direct) for its owner, active members and system admins: ChatRoomResponse. */
export async function readRoom(c: Caller, roomId: number) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user, { kinds: ["group", "direct"] });
  require(canView(access), "Only members can see this room", "not_a_member");
  return (await getRoomResponse(db, access.room.id, c.var.user.id))!;
}
