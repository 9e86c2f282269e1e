// Room shapes: create/update bodies and ChatRoomResponse (README "Rooms and members").
import { z } from "@hono/zod-openapi";
import { boolQuery } from "../http/schemas";

export const MAX_MEMBERS_CAP = 100_000;

const fields = {
  name: z.string().trim().min(1, "must not be empty").max(100),
  description: z.string().max(1000).nullable(),
  visibility: z.enum(["public", "private"]),
  require_approval: z.boolean(),
  max_members: z.number().int().min(1).max(MAX_MEMBERS_CAP).nullable(),
};

export const RoomCreate = z
  .object({
    name: fields.name,
    description: fields.description.optional(),
    visibility: fields.visibility.default("public"),
    require_approval: fields.require_approval.default(true),
    max_members: fields.max_members.optional(),
  })
  .strict()
  .openapi("ChatRoomCreate");

export const RoomUpdate = z
  .object({
    ...fields,
    is_active: z.boolean().openapi({ description: "false archives the room (read-only: nobody posts, edits, reacts or joins); true reactivates it" }),
    allow_mass_mentions: z
      .boolean()
      .nullable()
      .openapi({ description: "true: every member may use @here / @all; false: only the owner and admins; null: by size (up to 50 members)" }),
  })
  .partial()
  .strict()
  .openapi("ChatRoomUpdate");

export const RoomResponse = z
  .object({
    id: z.number().int(),
    kind: z.enum(["group", "direct"]),
    creator_id: z.number().int(),
    creator_name: z.string().nullable(),
    name: z.string(),
    description: z.string().nullable(),
    avatar_url: z.string().nullable().openapi({ description: "The group's picture (PUT /chat-rooms/{id}/avatar), public" }),
    visibility: z.enum(["public", "private"]),
    require_approval: z.boolean(),
    max_members: z.number().int().nullable(),
    room_type: z
      .enum(["public", "private", "group"])
      .nullable()
      .openapi({ description: "The room type a document 001 client created it with (a label: visibility and require_approval rule); null for other rooms" }),
    is_active: z.boolean().openapi({ description: "false: archived, read-only" }),
    archived_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    members_count: z.number().int(),
    last_message: z.object({ sender: z.string(), content: z.string() }).nullable(),
    last_message_id: z.number().int(),
    last_activity_at: z.string(),
    unread_messages_count: z.number().int(),
    mention_count: z.number().int().openapi({ description: "Your unread mentions here (@you, @here while you were online, @all): after your read position. Lags by up to a second" }),
    thread_unread_count: z
      .number()
      .int()
      .openapi({ description: "Unread replies in the threads you follow here (not in unread_count: thread-only replies stay out of it). docs/threads.md" }),
    online_members_count: z.number().int(),
    my_role: z.enum(["owner", "admin", "member"]).nullable(),
    allow_mass_mentions: z.boolean().nullable().openapi({ description: "May every member use @here / @all? null: yes in rooms of up to 50 members. The owner and admins always may" }),
  })
  .openapi("ChatRoomResponse");

export const RoomListQuery = z.object({
  visibility_filter: z.enum(["public", "private", "all"]).default("all"),
  current_user_only: boolQuery.default(false),
  q: z.string().trim().min(1).max(64).optional().openapi({ description: "Only rooms whose name or description contains this (case-insensitive)" }),
});
