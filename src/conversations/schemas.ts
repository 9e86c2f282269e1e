// Conversation shapes: direct and group create bodies, their responses, the inbox item, and the
// per-member settings (mute, hide, cleared history).
import { z } from "@hono/zod-openapi";
import { RoomCreate, RoomResponse } from "../rooms/schemas";
import { intQuery } from "../http/schemas";

export const MAX_GROUP_MEMBER_IDS = 100;

export const DirectCreate = z.object({ user_id: z.number().int().positive() }).strict().openapi("DirectConversationCreate");

export const GroupCreate = z
  .object({
    name: RoomCreate.shape.name,
    description: RoomCreate.shape.description,
    member_ids: z
      .array(z.number().int().positive())
      .max(MAX_GROUP_MEMBER_IDS, `at most ${MAX_GROUP_MEMBER_IDS} members at creation; invite more later`)
      .openapi({ description: "Initial members besides yourself (your own id is ignored); no duplicates" }),
  })
  .strict()
  .openapi("GroupConversationCreate");

export const Peer = z
  .object({
    id: z.number().int(),
    username: z.string(),
    display_name: z.string().nullable(),
    avatar_url: z.string().nullable(),
    online: z.boolean().nullable().openapi({ description: "Has an open socket in this chat (written behind by the room, lags up to ~1 s); null where not looked up" }),
  })
  .openapi("ConversationPeer");

export const DirectResponse = RoomResponse.extend({
  peer: Peer.nullable(),
  created: z.boolean().openapi({ description: "True when this call created the conversation" }),
}).openapi("DirectConversationResponse");

export const GroupResponse = RoomResponse.extend({
  type: z.literal("group").openapi({ description: "The kind in document 003's words (its ConversationType)" }),
  members: z.array(
    z.object({
      id: z.number().int(),
      username: z.string(),
      display_name: z.string().nullable(),
      avatar_url: z.string().nullable(),
      role: z.enum(["owner", "admin", "member"]),
    }),
  ),
}).openapi("GroupConversationResponse");

export const InboxQuery = z.object({
  limit: intQuery(1, 100).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "The `cursor` of the last item of the previous page (also in X-Next-Cursor)" }),
  kind: z.enum(["group", "direct"]).optional(),
});

export const InboxItem = z
  .object({
    id: z.number().int(),
    kind: z.enum(["group", "direct"]),
    type: z.enum(["single", "group"]).openapi({ description: "The kind in document 003's words (single = direct)" }),
    name: z.string().openapi({ description: "For a direct chat: the other person's display name (or username)" }),
    description: z.string().nullable(),
    avatar_url: z.string().nullable(),
    peer: Peer.nullable(),
    last_message: z.object({ sender: z.string(), content: z.string() }).nullable(),
    last_message_id: z.number().int(),
    last_activity_at: z.string(),
    unread_count: z.number().int(),
    mention_count: z.number().int().openapi({ description: "Your unread mentions in it (@you, @here while you were online, @all)" }),
    thread_unread_count: z
      .number()
      .int()
      .openapi({ description: "Unread replies in the threads you follow here (not in unread_count: thread-only replies stay out of it). docs/threads.md" }),
    muted: z.boolean(),
    muted_until: z.string().nullable(),
    my_role: z.enum(["owner", "admin", "member"]),
    members_count: z.number().int(),
    online_members_count: z.number().int(),
    disabled: z.boolean().openapi({ description: "A direct chat that takes no messages now: a block between the two, or the other account was deleted" }),
    cursor: z.string(),
  })
  .openapi("ConversationSummary");

export const MUTE_FOREVER = "9999-12-31T23:59:59.999Z";

export const SettingsUpdate = z
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

export const toSettingsResponse = (m: { roomId: number; mutedUntil: string | null; hidden: boolean; cleared: number }) => ({
  room_id: m.roomId,
  muted: isMuted(m.mutedUntil),
  muted_until: m.mutedUntil,
  hidden: m.hidden,
  history_cleared_up_to: m.cleared,
});
