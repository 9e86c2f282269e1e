// Rooms: create, list, read, update, delete (docs/architecture.md, README "Rooms and members").
import { createRoute, z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { getDb } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { files, joinRequests, roomMembers, rooms } from "../db/schema";
import { router } from "../http/app-env";
import { ApiError } from "../http/errors";
import { json, jsonBody, noContent, PageQuery, pick, RoomIdParam } from "../http/schemas";
import { deleteObjects } from "../media/files";
import { retryOnce, roomStub } from "../room/client";
import { activeCount, canManageRoom, loadRoom, require } from "./access";
import { getRoomResponse, whereAll } from "./queries";
import { RoomCreate, RoomListQuery, RoomResponse, RoomUpdate } from "./schemas";
import { createRoom, listRooms, nameTaken, readRoom } from "./service";

export const roomRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["rooms"],
      summary: "Create a room; the creator becomes its owner and first active member",
      request: jsonBody(RoomCreate),
      responses: { 200: json(RoomResponse), ...pick(400, 401, 409) },
    }),
    async (c) => c.json(await createRoom(c, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["rooms"],
      summary: "Rooms you can see: public rooms and private rooms you belong to; `q` searches names and descriptions",
      request: { query: RoomListQuery.extend(PageQuery.shape) },
      responses: { 200: json(z.array(RoomResponse)), ...pick(400, 401) },
    }),
    async (c) => c.json(await listRooms(c, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}",
      tags: ["rooms"],
      summary: "One room (owner, active members, system admins)",
      request: { params: RoomIdParam },
      responses: { 200: json(RoomResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await readRoom(c, c.req.valid("param").room_id), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{room_id}",
      tags: ["rooms"],
      summary: "Update a room (only the fields given; owner or system admin)",
      request: { params: RoomIdParam, ...jsonBody(RoomUpdate) },
      responses: { 200: json(RoomResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const b = c.req.valid("json");
      const access = await loadRoom(db, c.req.valid("param").room_id, c.var.user);
      require(canManageRoom(access), "Only the owner can change this room");
      const patch = {
        ...(b.name !== undefined && { name: b.name }),
        ...(b.description !== undefined && { description: b.description }),
        ...(b.visibility !== undefined && { visibility: b.visibility }),
        ...(b.require_approval !== undefined && { requireApproval: b.require_approval }),
        ...(b.max_members !== undefined && { maxMembers: b.max_members }),
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
      return c.json(room, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}",
      tags: ["rooms"],
      summary: "Delete a room with its members, join requests, messages and media; closes its sockets",
      request: { params: RoomIdParam },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const access = await loadRoom(db, c.req.valid("param").room_id, c.var.user);
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
      return c.body(null, 204);
    },
  );
