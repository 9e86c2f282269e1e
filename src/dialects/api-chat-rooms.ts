// The paths documents 001 and 002 share under /api/chat/: the room list, room creation, join and
// leave. One handler serves both: a request is told apart by its content type (002 creates rooms
// with a multipart or url-encoded form `room_name`, 001 with JSON `name`), and every answer carries
// the union of both documents' fields (each client ignores what it does not know). Errors take the
// envelope of the document the content type names, and both fields when none does.
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
import { authed, dialectRouter } from "./envelope";
import { people } from "./refs";

type Door = "001" | "002" | null;
/** Which document a request speaks, from its body's content type (none: either). */
function doorOf(c: Context): Door {
  const type = (c.req.header("Content-Type") ?? "").toLowerCase();
  if (type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded")) return "002";
  if (type.startsWith("application/json")) return "001";
  return null;
}

const envelope = (e: ApiError, c: Context) => {
  const door = doorOf(c);
  return door === "002" ? { detail: e.detail } : door === "001" ? { error: e.detail } : { error: e.detail, detail: e.detail };
};

const ErrorEither = z.object({ error: z.string().optional(), detail: z.string().optional() }).openapi("DocChatError");
const err = (description: string) => ({ content: { "application/json": { schema: ErrorEither } }, description });
const errors = { 400: err("Invalid request"), 401: err("Not signed in"), 403: err("Not allowed"), 404: err("Not found"), 409: err("Name taken") } as const;

const LastMessage = z
  .object({
    id: z.number().int(),
    content: z.string(),
    sender: z.string(),
    created_at: z.string(),
    sender_id: z.number().int().nullable(),
    sender_name: z.string(),
    message_type: z.string(),
    timestamp: z.string(),
  })
  .nullable();
const ChatRoomBoth = Room001.extend({
  members: z.array(z.number().int()).openapi({ description: "Ids of active members (up to 100), for rooms you belong to; [] for others" }),
  last_message: LastMessage,
}).openapi("DocChatRoom");

/** 001's JSON body. */
const Create001 = z.object({
  name: RoomCreate.shape.name,
  description: z.string().max(1000).nullish(),
  room_type: z.enum(["public", "private", "group"]),
  max_members: z.number().int().min(1).max(100_000).default(50),
});
/** 002's form. */
const Create002 = z.object({ room_name: RoomCreate.shape.name, description: z.string().max(1000).optional() });

/** Rooms in both documents' shapes. Outsiders see neither a room's members nor its last message. */
async function roomsBoth(c: Caller, list: Awaited<ReturnType<typeof listRooms>>) {
  const mine = list.filter((r) => r.my_role !== null || c.var.user.isAdmin);
  const [names, members] = await Promise.all([people(c.env, list.map((r) => r.creator_id)), memberIdsOf(c, mine.map((r) => r.id))]);
  // The summary keeps the last sender's name: their id is looked up by it (usernames are unique).
  const idOf = await idsOfUsernames(c, mine.flatMap((r) => (r.last_message ? [r.last_message.sender] : [])));
  return list.map((r) => {
    const visible = r.my_role !== null || c.var.user.isAdmin;
    const base = room001(r, names);
    return {
      ...base,
      members: visible ? (members.get(r.id) ?? []) : [],
      last_message:
        visible && base.last_message
          ? {
              ...base.last_message,
              sender_id: idOf.get(base.last_message.sender.toLowerCase()) ?? null,
              sender_name: base.last_message.sender,
              message_type: "text",
              timestamp: base.last_message.created_at,
            }
          : null,
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
      summary: "Rooms you can see (public rooms, the global room, private rooms you belong to), most recently active first, up to 100: 001's and 002's fields",
      middleware: authed,
      responses: { 200: json(z.array(ChatRoomBoth)), ...errors },
    }),
    async (c) => {
      // The global room exists before anyone lists rooms, and the caller is in it (first touch admits).
      await readRoomOrNull(c, await globalRoomId(c.env, c.var.user));
      const list = await listRooms(c, { visibility_filter: "all", current_user_only: false, limit: 100, offset: 0 });
      return c.json(await roomsBoth(c, list), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms",
      tags: [TAG001, TAG002],
      summary:
        "Create a room. JSON {name, description?, room_type, max_members=50} (001) answers 201; a form {room_name, description?} (002) answers 200 and makes a public room anyone joins. Both get 001's room and 002's {room_id, message}",
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
        200: json(ChatRoomBoth.extend({ room_id: z.string(), message: z.string() })),
        201: json(ChatRoomBoth.extend({ room_id: z.string(), message: z.string() })),
        ...errors,
        415: err("Neither JSON nor a form"),
      },
    }),
    async (c) => {
      const door = doorOf(c);
      let created;
      if (door === "001") {
        const raw = await c.req.json().catch(() => {
          throw new ApiError(400, "malformed_json", "Malformed JSON in request body");
        });
        const b = Create001.safeParse(raw);
        if (!b.success) throw invalidRequest(fieldErrors(b.error.issues, "body"));
        const { visibility, require_approval } = settingsOf(b.data.room_type);
        created = await createRoom(c, { name: b.data.name, description: b.data.description ?? null, visibility, require_approval, max_members: b.data.max_members });
      } else if (door === "002") {
        const form = await c.req.parseBody().catch(() => {
          throw new ApiError(400, "malformed_form", "Malformed form body");
        });
        const b = Create002.safeParse({ room_name: form.room_name, description: form.description === undefined ? undefined : form.description });
        if (!b.success) throw invalidRequest(fieldErrors(b.error.issues, "body"));
        created = await createRoom(c, { name: b.data.room_name, description: b.data.description ?? null, visibility: "public", require_approval: false });
      } else throw new ApiError(415, "unsupported_media_type", "Send JSON {name, room_type} or a form with room_name");
      const [room] = await roomsBoth(c, [created]);
      return c.json({ ...room, room_id: String(created.id), message: "聊天室创建成功" }, door === "001" ? 201 : 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{room_id}/join",
      tags: [TAG001, TAG002],
      summary:
        "Join a room: at once where no approval is needed (and always the global room); a room that needs approval gets a request (202, status pending); a private room only by invitation (403)",
      middleware: authed,
      request: { params: RoomParam },
      responses: { 200: json(z.object({ message: z.string(), status: z.string() })), 202: json(z.object({ message: z.string(), status: z.string() })), ...errors },
    }),
    async (c) => {
      const roomId = await room002(c, c.req.valid("param").room_id);
      const room = await readRoomOrNull(c, roomId);
      // Already in (the global room admits on first touch): joining again is a no-op answer.
      if (room?.my_role) return c.json({ message: "成功加入房间", status: "approved" }, 200);
      const request = await applyToJoin(c, roomId, null);
      if (request.status === "pending") return c.json({ message: "已申请加入，等待房主批准", status: "pending" }, 202);
      return c.json({ message: "成功加入房间", status: "approved" }, 200);
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
      responses: { 200: json(z.object({ message: z.string() })), ...errors },
    }),
    async (c) => {
      await leaveRoom(c, await room002(c, c.req.valid("param").room_id));
      return c.json({ message: "成功离开房间" }, 200);
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

