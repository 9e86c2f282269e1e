// Room operations every door shares (the core routes and the dialects of src/dialects/): create,
// list, read, update (archive included) and delete. Deleting takes the members, join requests,
// messages and media along and closes the room's sockets.
import { desc, eq, or, sql } from "drizzle-orm";
import { contains } from "../db/like";
import { getDb, inIds } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { files, joinRequests, roomMembers, rooms } from "../db/schema";
import { ApiError, conflict } from "../http/errors";
import { deleteObjects } from "../media/files";
import { activeCount } from "../members/queries";
import type { Caller } from "../messages/common";
import { retryOnce, roomStub } from "../room/client";
import { canManageRoom, canView, loadRoom, require } from "./access";
import { getRoomResponse, selectRooms, toRoomResponse, whereAll } from "./queries";
import type { z } from "@hono/zod-openapi";
import type { RoomCreate, RoomListQuery, RoomUpdate } from "./schemas";

export const nameTaken = () => conflict("room_name_taken", "A room with this name already exists");

/** A validated ChatRoomCreate body (defaults applied). */
/** The core's create body; `room_type` is the label a document 001 client gives (rooms.room_type). */
export type RoomDraft = z.output<typeof RoomCreate> & { room_type?: "public" | "private" | "group" };

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
          roomType: b.room_type ?? null,
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

/**
 * The rooms among `roomIds` as the caller's room list shows them (no visibility check: the caller
 * names rooms they were already told about, e.g. by a notification). One query; none for no ids.
 */
export async function roomsByIds(c: Caller, roomIds: number[]) {
  if (!roomIds.length) return [];
  const rows = await selectRooms(getDb(c.env.DB), c.var.user.id).where(inIds(rooms.id, roomIds)).all();
  return rows.map(toRoomResponse);
}

/**
 * A room's id and name, or 404 room_not_found: the reference to a room that document 001 embeds
 * in its messages. It reveals only the name, so it does no membership check of its own: callers
 * check access before they show it.
 */
export async function roomName(c: { env: Env }, roomId: number): Promise<{ id: number; name: string }> {
  const row = await getDb(c.env.DB).select({ id: rooms.id, name: rooms.name }).from(rooms).where(eq(rooms.id, roomId)).get();
  if (!row) throw new ApiError(404, "room_not_found", "Room not found");
  return row;
}

/**
 * A room's kind and direct key ("a:b", the two user ids, for a direct chat), or undefined when no
 * such room: document 004's friends-only rule finds the other side of a direct chat by it.
 */
export const roomKind = (c: { env: Env }, roomId: number) =>
  getDb(c.env.DB).select({ kind: rooms.kind, key: rooms.directKey }).from(rooms).where(eq(rooms.id, roomId)).get();

/** One room (group or direct) for its owner, active members and system admins: ChatRoomResponse. */
export async function readRoom(c: Caller, roomId: number) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user, { kinds: ["group", "direct"] });
  require(canView(access), "Only members can see this room", "not_a_member");
  return (await getRoomResponse(db, access.room.id, c.var.user.id))!;
}

export type RoomPatch = z.output<typeof RoomUpdate>;

/**
 * Updates a room (only the fields given; owner or system admin). Archiving (is_active false) makes
 * it read-only, and the room object is told. 400 max_members_too_low, 409 room_name_taken.
 */
export async function updateRoom(c: Caller, roomId: number, b: RoomPatch) {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  require(canManageRoom(access), "Only the owner can change this room");
  const patch = {
    ...(b.name !== undefined && { name: b.name }),
    ...(b.description !== undefined && { description: b.description }),
    ...(b.visibility !== undefined && { visibility: b.visibility }),
    ...(b.require_approval !== undefined && { requireApproval: b.require_approval }),
    ...(b.max_members !== undefined && { maxMembers: b.max_members }),
    ...(b.allow_mass_mentions !== undefined && { allowMassMentions: b.allow_mass_mentions }),
    // Archiving keeps the first archive time; each change of state moves the version.
    ...(b.is_active !== undefined &&
      b.is_active === (access.room.archivedAt !== null) && {
        archivedAt: b.is_active ? null : new Date().toISOString(),
        archiveVersion: sql<number>`${rooms.archiveVersion} + 1`,
      }),
  };
  let archive: { archived: boolean; version: number } | undefined;
  if (Object.keys(patch).length) {
    try {
      // The capacity guard is in the statement itself, so a concurrent join cannot slip under it.
      const updated = await db
        .update(rooms)
        .set({ ...patch, updatedAt: new Date().toISOString() })
        .where(
          whereAll(
            eq(rooms.id, access.room.id),
            b.max_members ? sql`${activeCount(access.room.id)} <= ${b.max_members}` : undefined,
          ),
        )
        .returning({ id: rooms.id, archivedAt: rooms.archivedAt, archiveVersion: rooms.archiveVersion })
        .all();
      if (!updated.length)
        throw new ApiError(400, "max_members_too_low", "max_members is below the current number of members");
      if ("archiveVersion" in patch) archive = { archived: updated[0].archivedAt !== null, version: updated[0].archiveVersion };
    } catch (e) {
      if (isUniqueViolation(e)) throw nameTaken();
      throw e;
    }
  }
  const room = (await getRoomResponse(db, access.room.id, c.var.user.id))!;
  // The room object enforces it on sockets: told at once (the version orders a late call), and
  // any socket that connects later brings D1's state along anyway.
  if (archive) {
    const { archived, version } = archive;
    await retryOnce(() => roomStub(c.env, access.room.id).setArchived(archived, version)).catch((e) =>
      console.error("archive: the room object was not told (its next socket will sync it)", e),
    );
  }
  return room;
}

/** Deletes a room with its members, join requests, messages and media (owner or system admin); closes its sockets. */
export async function deleteRoom(c: Caller, roomId: number): Promise<void> {
  const db = getDb(c.env.DB);
  const access = await loadRoom(db, roomId, c.var.user);
  require(canManageRoom(access), "Only the owner can delete this room");
  const id = access.room.id;
  // D1 first, all at once: afterwards nobody can be authorized into the room again.
  const [gone] = await db.batch([
    db.delete(files).where(eq(files.roomId, id)).returning({ key: files.key }),
    db.delete(joinRequests).where(eq(joinRequests.roomId, id)),
    db.delete(roomMembers).where(eq(roomMembers.roomId, id)),
    db.delete(rooms).where(eq(rooms.id, id)),
  ]);
  // Then the object (sockets closed, log wiped), then the bytes nothing refers to any more.
  await retryOnce(() => roomStub(c.env, id).destroy());
  await deleteObjects(c.env, gone.map((f) => f.key));
}
