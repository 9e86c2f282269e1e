// The paths documents 001 and 002 share under /api/chat/: the room list, room creation, join and
// leave. One handler serves both. 001 writes every path with a trailing slash (`rooms/`), 002 none
// (`rooms`): the room list answers each in its own shape (001: integer ids; 002: string ids, the
// global room "global"), and a join answers each its own words. Creation is told apart by its
// content type (002 sends a multipart or url-encoded form `room_name`, 001 JSON `name`), and each gets
// its own answer. Errors take the envelope of the document the path speaks ({"error"} for `rooms/`,
// {"detail"} for `rooms`), and codes both tables have: a taken name or a full room is 400.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError, fieldErrors, invalidRequest } from "../http/errors";
import { json } from "../http/schemas";
import { applyToJoin } from "../join-requests/service";
import { leaveRoom, memberIdsOf } from "../members/service";
import type { Caller } from "../messages/common";
import { globalRoomId } from "../rooms/global";
import { RoomCreate } from "../rooms/schemas";
import { createRoom, listRooms, readRoom } from "../rooms/service";
import { idsOfUsernames } from "../users/service";
import { Room001, room001, settingsOf } from "./doc001-django-chat/shapes";
import { TAG001 } from "./doc001-django-chat/routes";
import { room002, TAG002 } from "./doc002-fastapi-chat/routes";
import { Done001, Error001, Joined001 } from "./doc001-django-chat/models";
import { ChatRoom002, Error002, RoomCreated002 } from "./doc002-fastapi-chat/models";
import { authed, dialectRouter } from "./envelope";
import { people, toGlobalMessageId } from "./refs";

type Door = "001" | "002" | null;
/** Which document a path speaks: 001 ends every path with a slash, 002 none. */
const pathDoor = (c: Context): "001" | "002" => (new URL(c.req.url).pathname.endsWith("/") ? "001" : "002");
/** Which document a creation body speaks, from its content type (none: neither, 415). */
function doorOf(c: Context): Door {
  const type = (c.req.header("Content-Type") ?? "").toLowerCase();
  if (type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded")) return "002";
  if (type.startsWith("application/json")) return "001";
  return null;
}

const envelope = (e: ApiError, c: Context) => (pathDoor(c) === "001" ? { error: e.detail } : { detail: e.detail });

const ErrorEither = z.union([Error001, Error002]).openapi("DocChatError", { description: "{error} for 001's paths (rooms/), {detail} for 002's (rooms)" });
const err = (description: string) => ({ content: { "application/json": { schema: ErrorEither } }, description });
const errors = { 400: err("Invalid request, a name taken, a room full"), 401: err("Not signed in"), 403: err("Not allowed"), 404: err("Not found") } as const;

/** Neither document's table has the core's 409: a taken name or a full room is a refused request, 400 (the same code and detail). */
const as400 = (e: unknown) => {
  if (e instanceof ApiError && (e.code === "room_full" || e.code === "room_name_taken")) throw new ApiError(400, e.code, e.detail);
  throw e;
};

/** 001's JSON body. */
const Create001 = z.object({
  name: RoomCreate.shape.name,
  description: z.string().max(1000).nullish(),
  room_type: z.enum(["public", "private", "group"]),
  max_members: z.number().int().min(1).max(100_000).default(50),
});
/** 002's form. */
const Create002 = z.object({ room_name: RoomCreate.shape.name, description: z.string().max(1000).optional() });

/** What 002's rooms need besides the rooms: member ids, last senders' ids. Outsiders get neither members nor last message. */
async function roomLinks(c: Caller, list: Awaited<ReturnType<typeof listRooms>>) {
  const visible = (r: (typeof list)[number]) => r.my_role !== null || c.var.user.isAdmin;
  const mine = list.filter(visible);
  // The summary keeps the last sender's name: their id is looked up by it (usernames are unique).
  const [members, idOf] = await Promise.all([
    memberIdsOf(c, mine.map((r) => r.id)),
    idsOfUsernames(c, mine.flatMap((r) => (r.last_message ? [r.last_message.sender] : []))),
  ]);
  return { visible, members: (r: (typeof list)[number]) => (visible(r) ? (members.get(r.id) ?? []) : []), senderId: (name: string) => idOf.get(name.toLowerCase()) ?? null };
}

/** Rooms as 001 lists them (§1.1): its room, last message included for rooms you belong to. */
async function rooms001(c: Caller, list: Awaited<ReturnType<typeof listRooms>>): Promise<z.input<typeof Room001>[]> {
  const names = await people(c.env, list.map((r) => r.creator_id));
  return list.map((r) => room001(r, names));
}

/** Rooms as 002 lists them (§9, ChatRoom): string ids, the global room "global". */
async function rooms002(c: Caller, list: Awaited<ReturnType<typeof listRooms>>, globalId: number): Promise<z.input<typeof ChatRoom002>[]> {
  const links = await roomLinks(c, list);
  return list.map((r) => {
    const last = links.visible(r) ? r.last_message : null;
    return {
      id: r.id === globalId ? "global" : String(r.id),
      name: r.name,
      ...(r.description !== null && { description: r.description }),
      members: links.members(r),
      created_at: r.created_at,
      ...(last && {
        last_message: {
          id: String(toGlobalMessageId(r.id, r.last_message_id)),
          sender_id: links.senderId(last.sender),
          sender_name: last.sender,
          // The summary keeps a preview, not the message: its text, typed as text.
          message_type: "text" as const,
          content: last.content,
          timestamp: r.last_activity_at,
        },
      }),
    };
  });
}

/** A room id in a shared path: digits, or "global" (002). */
const RoomParam = z.object({ room_id: z.string().max(32).openapi({ param: { name: "room_id", in: "path" }, example: "global" }) });

export const chatRoomRoutes = dialectRouter(envelope)
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms",
      tags: [TAG001, TAG002],
      summary:
        "Rooms you can see (public rooms, the global room, private rooms you belong to), most recently active first, up to 100: `rooms/` (001) lists 001's rooms, `rooms` (002) 002's ChatRoom (string ids, the global room \"global\")",
      middleware: authed,
      responses: { 200: json(z.union([z.array(Room001), z.array(ChatRoom002)])), ...errors },
    }),
    async (c) => {
      // The global room exists before anyone lists rooms, and the caller is in it (first touch admits).
      const globalId = await globalRoomId(c.env, c.var.user);
      await readRoomOrNull(c, globalId);
      const list = await listRooms(c, { visibility_filter: "all", current_user_only: false, limit: 100, offset: 0 });
      return c.json(pathDoor(c) === "001" ? await rooms001(c, list) : await rooms002(c, list, globalId), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms",
      tags: [TAG001, TAG002],
      summary:
        "Create a room. JSON {name, description?, room_type, max_members=50} (001) answers 201 with 001's room; a form {room_name, description?} (002) answers 200 {room_id, message} with the room as 002 lists it, a public room anyone joins",
      middleware: authed,
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["name", "room_type"],
                properties: {
                  name: { type: "string", maxLength: 100 },
                  description: { type: "string" },
                  room_type: { type: "string", enum: ["public", "private", "group"] },
                  max_members: { type: "integer", default: 50 },
                },
              },
            },
            "multipart/form-data": {
              schema: { type: "object", required: ["room_name"], properties: { room_name: { type: "string", maxLength: 100 }, description: { type: "string" } } },
            },
          },
        },
      },
      responses: {
        200: json(RoomCreated002),
        201: json(Room001),
        ...errors,
        415: err("Neither JSON nor a form"),
      },
    }),
    async (c) => {
      const door = doorOf(c);
      let created: Awaited<ReturnType<typeof createRoom>>;
      if (door === "001") {
        const raw = await c.req.json().catch(() => {
          throw new ApiError(400, "malformed_json", "Malformed JSON in request body");
        });
        const b = Create001.safeParse(raw);
        if (!b.success) throw invalidRequest(fieldErrors(b.error.issues, "body"));
        created = await createRoom(c, { name: b.data.name, description: b.data.description ?? null, ...settingsOf(b.data.room_type), max_members: b.data.max_members }).catch(as400);
      } else if (door === "002") {
        const form = await c.req.parseBody().catch(() => {
          throw new ApiError(400, "malformed_form", "Malformed form body");
        });
        const b = Create002.safeParse({ room_name: form.room_name, description: form.description === undefined ? undefined : form.description });
        if (!b.success) throw invalidRequest(fieldErrors(b.error.issues, "body"));
        created = await createRoom(c, { name: b.data.room_name, description: b.data.description ?? null, visibility: "public", require_approval: false }).catch(as400);
      } else throw new ApiError(415, "unsupported_media_type", "Send JSON {name, room_type} or a form with room_name");
      if (door === "001") return c.json((await rooms001(c, [created]))[0], 201);
      const [room] = await rooms002(c, [created], 0);
      return c.json({ room_id: room.id, message: "聊天室创建成功", ...room }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{room_id}/join",
      tags: [TAG001, TAG002],
      summary:
        "Join a room: at once where no approval is needed (001's public and group rooms, 002's rooms, always the global room), up to max_members (400 when full); a room that needs approval (made elsewhere) gets a request (202, status pending); a private room only by invitation (403)",
      middleware: authed,
      request: { params: RoomParam },
      responses: { 200: json(Joined001), 202: json(Joined001), ...errors },
    }),
    async (c) => {
      const roomId = await room002(c, c.req.valid("param").room_id);
      const joined = { message: pathDoor(c) === "001" ? "成功加入房间" : "成功加入聊天室", status: "approved" as const };
      const room = await readRoomOrNull(c, roomId);
      // Already in (the global room admits on first touch): joining again is a no-op answer.
      if (room?.my_role) return c.json(joined, 200);
      const request = await applyToJoin(c, roomId, null).catch(as400);
      if (request.status === "pending") return c.json({ message: "已申请加入，等待房主批准", status: "pending" as const }, 202);
      return c.json(joined, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{room_id}/leave",
      tags: [TAG001, TAG002],
      summary: "Leave a room (the owner transfers ownership first: 403)",
      middleware: authed,
      request: { params: RoomParam },
      responses: { 200: json(Done001), ...errors },
    }),
    async (c) => {
      await leaveRoom(c, await room002(c, c.req.valid("param").room_id));
      return c.json({ message: pathDoor(c) === "001" ? "成功离开房间" : "成功离开聊天室" }, 200);
    },
  );

/** The room as its member sees it, or null when the caller may not see it (joining decides what to say). */
async function readRoomOrNull(c: Caller, roomId: number) {
  try {
    return await readRoom(c, roomId);
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return null;
    throw e;
  }
}

