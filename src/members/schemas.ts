// Member shapes: ChatRoomMemberResponse (a member as a given viewer sees them) and the bulk-add
// request and reply.
import { z } from "@hono/zod-openapi";
import { contactFor, type Viewer } from "../users/privacy";
import type { MemberJoinRow } from "./queries";

export const MemberResponse = z
  .object({
    id: z.number().int(),
    room_id: z.number().int(),
    member_id: z.number().int(),
    member_name: z.string().nullable(),
    member_display_name: z.string().nullable(),
    member_email: z.string().nullable(),
    avatar_url: z.string().nullable(),
    role: z.enum(["owner", "admin", "member"]),
    status: z.enum(["active", "inactive"]),
    joined_at: z.string(),
    last_active_at: z.string().nullable(),
    last_read_message_id: z.number().int(),
  })
  .openapi("ChatRoomMemberResponse");

/** A member as `viewer` sees them: the e-mail only for themself and system admins (users/privacy). */
export const toMemberResponse = (viewer: Viewer) => (r: MemberJoinRow) => ({
  id: r.m.id,
  room_id: r.m.roomId,
  member_id: r.m.userId,
  member_name: r.name,
  member_display_name: r.displayName,
  member_email: contactFor(viewer, r.m.userId, r).email,
  avatar_url: r.avatar,
  role: r.m.role,
  status: r.m.status,
  joined_at: r.m.joinedAt,
  last_active_at: r.m.lastActiveAt,
  last_read_message_id: r.m.lastReadMessageId,
});

export const BulkAdd = z
  .object({
    user_ids: z
      .array(z.number().int().positive())
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, "no duplicates"),
  })
  .strict()
  .openapi("MembersAddRequest");
export const BulkAdded = z.object({ added: z.array(MemberResponse), already_members: z.array(z.number().int()) }).openapi("MembersAddResponse");
