// Rooms: create, list, read, update, delete (docs/architecture.md, README "Rooms and members").
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, jsonBody, noContent, PageQuery, pick, RoomIdParam } from "../http/schemas";
import { RoomCreate, RoomListQuery, RoomResponse, RoomUpdate } from "./schemas";
import { createRoom, deleteRoom, listRooms, readRoom, updateRoom } from "./service";

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
    async (c) => c.json(await updateRoom(c, c.req.valid("param").room_id, c.req.valid("json")), 200),
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
      await deleteRoom(c, c.req.valid("param").room_id);
      return c.body(null, 204);
    },
  );
