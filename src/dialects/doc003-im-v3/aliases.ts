// Document 003's other paths at /api/v1: users, conversations, files, groups, notifications and
// realtime. Conversations, members, groups and files call the services and add 003's fields to
// their answers; the account-side paths (users, notifications, realtime, broadcasts, stats) call
// the same services as the core's routes, with the core's schemas, and answer as those routes do.
import { z } from "@hono/zod-openapi";
import { requireUser } from "../../auth/middleware";
import { Register } from "../../auth/schemas";
import { register } from "../../auth/service";
import { NewBroadcast } from "../../broadcasts/schemas";
import { sendBroadcast } from "../../broadcasts/service";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { clearHistory, isHiddenForMe, openDirect } from "../../conversations/service";
import { notFound } from "../../http/errors";
import { router, type AppEnv } from "../../http/app-env";
import { idList, PageQuery } from "../../http/schemas";
import { CodeCreate } from "../../invitations/schemas";
import { createCode } from "../../invitations/service";
import { downloadFile, fileInfo, listMyFiles, requireSignature, uploadFile } from "../../media/service";
import { BulkAdd, toMemberResponse } from "../../members/schemas";
import { addMembers, listMembers, removeMember, setRole } from "../../members/service";
import { MarkRead, SystemNotice } from "../../notifications/routes";
import { markOne, markRead, sendSystemNotice } from "../../notifications/service";
import { onlineRoommates, presenceOf } from "../../presence/service";
import { RoomUpdate } from "../../rooms/schemas";
import { deleteRoom, listRooms, readRoom, updateRoom } from "../../rooms/service";
import { chatStats, roomStats } from "../../stats/service";
import { toPublicUser } from "../../users/schemas";
import { body003, coreInput, coreJson, coreQuery, pathId, route003, toMember003, withType } from "./common";
import type { Conversation } from "./models";

const Conv = z.object({ conversation_id: pathId("conversation_id") });
const ConvUser = Conv.extend({ user_id: pathId("user_id") });
const FileId = z.object({ file_id: pathId("file_id") });
const userIds = z.array(z.number().int().positive()).min(1).max(100);

/** The core's set-role body. */
const RoleBody = z.object({ role: z.enum(["member", "admin"]) });

/** The core's GET /users/status query: `ids` comma-separated, checked as that route checks it. */
const StatusQuery = z.object({ ids: idList(100, "user ids") });
const statusOf = (c: Context<AppEnv>, ids: number[]) => presenceOf(c, coreInput(StatusQuery, { ids: ids.join(",") }, "query").ids);

/** Adds members {user_ids}: the core's bulk add, its members in 003's words. */
const addMembers003 = async (c: Context<AppEnv>, id: number) => {
  const { user_ids } = (await coreJson(c, BulkAdd))!;
  const { added, already_members } = await addMembers(c, id, user_ids);
  return { added: added.map(toMember003), already_members };
};

/**
 * Removes a member; the conversation afterwards, as the caller sees it. Removing yourself leaves
 * you unable to read it, so then it is the one read before, less you.
 */
async function removeMember003(c: Context<AppEnv>, id: number, userId: number): Promise<Conversation> {
  if (userId !== c.var.user.id) {
    await removeMember(c, id, userId);
    return withType(await readRoom(c, id));
  }
  const before = await readRoom(c, id);
  await removeMember(c, id, userId);
  return withType({ ...before, members_count: before.members_count - 1, my_role: null });
}

/** A conversation the caller may see and has not deleted (hidden, with no message since): else 404. */
async function readConversation(c: Context<AppEnv>, id: number): Promise<Conversation> {
  const room = await readRoom(c, id);
  if (await isHiddenForMe(c, id)) throw notFound("Conversation", "room_not_found");
  return withType(room);
}

/** A download: a signed URL for this file (?exp=&sig=), or else a signed-in user, as the core's route takes it. */
async function download003(c: Context<AppEnv>, fileId: number) {
  const exp = c.req.query("exp");
  const sig = c.req.query("sig");
  const signed = exp !== undefined || sig !== undefined;
  if (signed) requireSignature(c.env, fileId, exp, sig);
  else await requireUser(c, async () => {});
  return downloadFile(c.env, c.req.raw, fileId, signed ? null : c.var.user, exp);
}

/** A file's metadata; signed in after the id is checked, in the order the core route would have. */
const fileInfo003 = async (c: Context<AppEnv>) => {
  const { file_id } = FileId.parse(c.req.param());
  await requireUser(c, async () => {});
  return c.json(await fileInfo(c, file_id), 200);
};

export const aliasRoutes003 = (): OpenAPIHono<AppEnv> => {
  const r = router();
  // /groups/* is 003's alone; the other prefixes are signed in by the core's own middleware.
  r.use("/groups/*", requireUser);
  // As the core's file routes are (the download also takes signed URLs: download003).
  for (const p of ["/files/upload", "/files/list"]) r.use(p, requireUser);
  return (
    r
      // ------------------------------------------------------------------ users
      .openapi(
        route003("post", "/users", "Create a user (core POST /auth/register): the new user, without a token", body003(
          z.object({
            username: z.string(),
            password: z.string(),
            email: z.string().nullish(),
            phone: z.string().nullish(),
            full_name: z.string().nullish(),
            display_name: z.string().nullish(),
          }),
        )),
        async (c) => {
          const b = c.req.valid("json");
          const name = b.display_name ?? b.full_name;
          const body = coreInput(Register, {
            username: b.username,
            password: b.password,
            ...(b.email && { email: b.email }),
            ...(b.phone && { phone: b.phone }),
            ...(name && { display_name: name }),
          });
          return c.json((await register(c, body, c.req.raw)).user, 200);
        },
      )
      .openapi(route003("post", "/users/statuses", "Online state of up to 100 users (core GET /users/status)", body003(z.object({ user_ids: userIds }))), async (c) => {
        return c.json(await statusOf(c, c.req.valid("json").user_ids), 200);
      })
      // ------------------------------------------------------------------ conversations
      .openapi(
        route003("post", "/conversations/single", "Get or create the single (direct) conversation with a user (core POST /conversations/direct)", body003(z.object({ target_user_id: z.number().int().positive() }))),
        async (c) => {
          return c.json(withType(await openDirect(c, c.req.valid("json").target_user_id)), 200);
        },
      )
      .openapi(route003("get", "/conversations/{conversation_id}", "A conversation (core GET /chat-rooms/{id}), with type", { params: Conv }), async (c) => {
        return c.json(await readConversation(c, c.req.valid("param").conversation_id), 200);
      })
      .openapi(route003("put", "/conversations/{conversation_id}", "Update a group conversation (core PUT /chat-rooms/{id})", { params: Conv }), async (c) => {
        const id = c.req.valid("param").conversation_id;
        return c.json(withType(await updateRoom(c, id, (await coreJson(c, RoomUpdate))!)), 200);
      })
      .openapi(
        route003("delete", "/conversations/{conversation_id}", "Delete a group (owner; core DELETE /chat-rooms/{id}); a single conversation is deleted for you alone: your history of it cleared and it hidden until a new message (core clear-history and settings {hidden})", { params: Conv }, 204),
        async (c) => {
          const id = c.req.valid("param").conversation_id;
          const room = await readConversation(c, id);
          if (room.type === "single") await clearHistory(c, id, { hide: true });
          else await deleteRoom(c, id);
          return c.body(null, 204);
        },
      )
      .openapi(route003("get", "/conversations/{conversation_id}/members", "Members (core GET /chat-rooms/{id}/members)", { params: Conv }), async (c) => {
        const rows = await listMembers(c, c.req.valid("param").conversation_id, coreQuery(c, PageQuery));
        return c.json(rows.map((r) => toMember003(toMemberResponse(c.var.user)(r))), 200);
      })
      .openapi(route003("post", "/conversations/{conversation_id}/members", "Add members {user_ids} (core POST /chat-rooms/{id}/members)", { params: Conv }), async (c) =>
        c.json(await addMembers003(c, c.req.valid("param").conversation_id), 200),
      )
      .openapi(route003("delete", "/conversations/{conversation_id}/members/{user_id}", "Remove a member (core DELETE /chat-rooms/{id}/members/{id})", { params: ConvUser }, 204), async (c) => {
        const p = c.req.valid("param");
        await removeMember003(c, p.conversation_id, p.user_id);
        return c.body(null, 204);
      })
      .openapi(
        route003("put", "/conversations/{conversation_id}/members/{user_id}", "Change a member's role {role: admin|member} (core PUT /chat-rooms/{id}/members/{id}/set-role)", { params: ConvUser }),
        async (c) => {
          const p = c.req.valid("param");
          const { role } = (await coreJson(c, RoleBody))!;
          return c.json(toMember003(await setRole(c, p.conversation_id, p.user_id, role)), 200);
        },
      )
      // ------------------------------------------------------------------ files
      .openapi(route003("post", "/files/upload", "Upload a file, multipart `file` (core POST /files)"), async (c) => c.json(await uploadFile(c, c.req.raw), 201))
      .openapi(route003("get", "/files/download/{file_id}", "Download a file (core GET /files/{id})", { params: FileId }), async (c) =>
        download003(c, c.req.valid("param").file_id),
      )
      .openapi(route003("get", "/files/info/{file_id}", "A file's metadata (core GET /files/{id}/info)", { params: FileId }), fileInfo003)
      .openapi(route003("get", "/files/download-info/{file_id}", "A file's metadata with a signed download `url` (core GET /files/{id}/info)", { params: FileId }), fileInfo003)
      .openapi(route003("get", "/files/list", "Your uploads, newest first (core GET /files)"), async (c) => c.json(await listMyFiles(c, coreQuery(c, PageQuery)), 200))
      // ------------------------------------------------------------------ groups
      .openapi(route003("post", "/groups/{conversation_id}/members", "Add members {user_ids} (core POST /chat-rooms/{id}/members): the conversation afterwards", { params: Conv }), async (c) => {
        const id = c.req.valid("param").conversation_id;
        await addMembers003(c, id);
        return c.json(withType(await readRoom(c, id)), 200);
      })
      .openapi(route003("delete", "/groups/{conversation_id}/members/{user_id}", "Remove a member (core DELETE /chat-rooms/{id}/members/{id}): the conversation afterwards", { params: ConvUser }), async (c) => {
        const p = c.req.valid("param");
        return c.json(await removeMember003(c, p.conversation_id, p.user_id), 200);
      })
      .openapi(route003("post", "/groups/{conversation_id}/invite-code", "Create an invite code (core POST /chat-rooms/{id}/invite-codes)", { params: Conv }), async (c) => {
        const id = c.req.valid("param").conversation_id;
        // As the core's: an empty POST (no body) means all defaults.
        const body = CodeCreate.parse((await coreJson(c, CodeCreate, false)) ?? {});
        return c.json(await createCode(c, id, body), 200);
      })
      .openapi(route003("get", "/groups/{conversation_id}/stats", "A group's numbers (core GET /chat-rooms/{id}/stats)", { params: Conv }), async (c) =>
        c.json(await roomStats(c, c.req.valid("param").conversation_id), 200),
      )
      .openapi(
        route003("get", "/groups/search", "Public groups whose name or description contains `keyword` (core GET /chat-rooms?q=&visibility_filter=public)", {
          query: z.object({ keyword: z.string().trim().min(1).max(64) }),
        }),
        async (c) => {
          const rooms = await listRooms(c, { q: c.req.valid("query").keyword, visibility_filter: "public", current_user_only: false, limit: 50, offset: 0 });
          return c.json(rooms.map(withType), 200);
        },
      )
      // ------------------------------------------------------------------ notifications
      .openapi(
        route003("post", "/notifications", "Create a notification for users (system admins; core POST /notifications/send)", body003(
          z.object({ user_id: z.number().int().positive().optional(), user_ids: userIds.optional(), title: z.string(), content: z.string().nullish() }),
        )),
        async (c) => {
          const b = c.req.valid("json");
          const ids = b.user_ids ?? (b.user_id ? [b.user_id] : undefined);
          const notice = coreInput(SystemNotice, { title: b.title, content: b.content ?? null, ...(ids ? { user_ids: ids } : { all: true }) });
          return c.json(await sendSystemNotice(c, notice), 200);
        },
      )
      .openapi(route003("post", "/notifications/mark-read", "Mark notifications read: `ids` (or notification_ids), or all of them when none are given (core POST /notifications/read)", {
        body: { content: { "application/json": { schema: z.object({ ids: z.array(z.number().int().positive()).optional(), notification_ids: z.array(z.number().int().positive()).optional() }) } } },
      }, 204), async (c) => {
        const b = (c.req.valid("json") ?? {}) as { ids?: number[]; notification_ids?: number[] };
        const ids = b.ids ?? b.notification_ids;
        await markRead(c, coreInput(MarkRead, ids?.length ? { ids } : { all: true }));
        return c.body(null, 204);
      })
      .openapi(
        route003("post", "/notifications/{notification_id}/mark-read", "Mark one notification read (core POST /notifications/{id}/read)", { params: z.object({ notification_id: pathId("notification_id") }) }, 204),
        async (c) => {
          await markOne(c, c.req.valid("param").notification_id, true);
          return c.body(null, 204);
        },
      )
      // ------------------------------------------------------------------ realtime
      .openapi(route003("get", "/realtime/online-users", "Users you share a room with who are online (core GET /users/online)"), async (c) =>
        c.json((await onlineRoommates(c, coreQuery(c, PageQuery))).map(toPublicUser), 200),
      )
      .openapi(
        route003("get", "/realtime/user-status/{user_id}", "One user's online state (core GET /users/status)", { params: z.object({ user_id: pathId("user_id") }) }),
        async (c) => {
          const id = c.req.valid("param").user_id;
          return c.json((await statusOf(c, [id]))[0] ?? { user_id: id, online: null, last_seen_at: null }, 200);
        },
      )
      .openapi(route003("post", "/realtime/broadcast", "Broadcast to rooms (system admins; core POST /broadcasts)"), async (c) => {
        // As the core route decides: 202 for a new broadcast, 200 for a retry with its client_id.
        const { broadcast, created } = await sendBroadcast(c, (await coreJson(c, NewBroadcast))!);
        return created ? c.json(broadcast, 202) : c.json(broadcast, 200);
      })
      .openapi(route003("get", "/realtime/connection-stats", "Users online, messages and active rooms today (core GET /stats)"), async (c) => c.json(await chatStats(c), 200))
  );
};
