// Friend shapes: requests (sent and received), friends with their group, group names.
import { z } from "@hono/zod-openapi";
import { PageQuery } from "../http/schemas";

const status = z.enum(["pending", "accepted", "rejected"]);

/** Friend group names: 1-32 characters after trimming, no control characters. */
export const groupName = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[^\p{Cc}]*$/u, "no control characters");

export const FriendRequestCreate = z
  .object({ user_id: z.number().int().positive(), message: z.string().max(500).nullable().optional() })
  .strict()
  .openapi("FriendRequestCreate");

export const FriendRequestRespond = z.object({ action: z.enum(["accept", "reject"]) }).strict().openapi("FriendRequestRespond");

export const FriendRequestResponse = z
  .object({
    id: z.number().int(),
    from_id: z.number().int(),
    from_name: z.string().nullable(),
    from_avatar_url: z.string().nullable(),
    to_id: z.number().int(),
    to_name: z.string().nullable(),
    to_avatar_url: z.string().nullable(),
    message: z.string().nullable(),
    status,
    created_at: z.string(),
    responded_at: z.string().nullable(),
  })
  .openapi("FriendRequestResponse");

export const FriendRequestLists = z
  .object({ received: z.array(FriendRequestResponse), sent: z.array(FriendRequestResponse) })
  .openapi("FriendRequestLists");

export const FriendRequestListQuery = PageQuery.extend({
  status: status.optional().openapi({ description: "Only requests in this state (default: all)" }),
});

export const FriendResponse = z
  .object({
    id: z.number().int(),
    username: z.string(),
    display_name: z.string().nullable(),
    avatar_url: z.string().nullable(),
    group: z.string().nullable(),
    since: z.string(),
  })
  .openapi("FriendResponse");

export const FriendListQuery = PageQuery.extend({
  group: groupName.optional().openapi({ description: "Only friends in this group" }),
});

export const FriendGroupUpdate = z.object({ group: groupName.nullable() }).strict().openapi("FriendGroupUpdate");

export const FriendGroupResponse = z.object({ name: z.string(), count: z.number().int() }).openapi("FriendGroupResponse");
