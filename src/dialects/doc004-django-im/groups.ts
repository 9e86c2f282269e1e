// Document 004, groups: create (members must be your friends, the document's rule), list,
// admins, ownership, removing members, invitations (an admin adds directly, a member's invitation
// waits for review), quitting and dissolving, through the rooms, members, invitations and
// conversations services.
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createGroupConversation } from "../../conversations/service";
import { router, type AppEnv } from "../../http/app-env";
import { ApiError } from "../../http/errors";
import { invite, listInvitations, processInvitation } from "../../invitations/service";
import { leaveRoom, removeMember, roleIn, setRole, transferOwnership } from "../../members/service";
import { deleteRoom } from "../../rooms/service";
import { body004, wholeInbox, id004, route004, signedIn, signedInAs } from "./common";
import { fail, ok, as004, type CodeMap } from "./envelope";
import { friendship } from "./friendship";
import { Empty, GroupCreatedReply, GroupsReply, InvitationsReply, InvitedReply } from "./models";

/** Core refusals on a group's routes. */
const GROUP: CodeMap = { not_found: 40, direct_conversation: 40, forbidden: 41, not_a_member: 41 };
const PAGE = 100;

/** The core's invitation states in the document's words. */
const INVITATION_STATUS = { pending: "pending", approved: "accepted", rejected: "rejected" } as const;

const GroupMember = z.object({ group_id: id004, member_id: id004 });
const GroupOnly = z.object({ group_id: id004 });

export const groupRoutes = () => {
  const r = router();
  // Its table gives 31 for a user who does not exist: a signed token whose account is gone.
  r.use("/create_group_conversation", signedInAs(31));
  for (const p of [
    "/get_group_conversation",
    "/add_admin",
    "/remove_admin",
    "/transfer_owner",
    "/remove_member",
    "/invite_member",
    "/view_invitations",
    "/review_invitation",
    "/quit_group",
    "/delete_group",
  ])
    r.use(p, signedIn);

  const role = (c: Context<AppEnv>, groupId: number, userId: number) => roleIn(c, groupId, userId);

  return r
    .openapi(
      route004(
        "post",
        "/create_group_conversation",
        "Create a group with you as owner and your friends as members: 2 no such user, 26 not a friend (core POST /conversations/group)",
        GroupCreatedReply,
        body004(z.object({ members_id: z.array(id004).max(100), name: z.string().trim().min(1).max(100) })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        const me = c.var.user.id;
        const ids = [...new Set(b.members_id)].filter((id) => id !== me);
        const found = await friendship(c, ids);
        if (found.size < ids.length) throw fail(2);
        if ([...found.values()].some((friend) => !friend)) throw fail(26);
        const group = await as004(createGroupConversation(c, { name: b.name, member_ids: ids }), { user_not_found: 2 });
        return ok(c, GroupCreatedReply, {
          conversation_id: group.id,
          name: group.name,
          members: group.members.map((m) => ({ id: m.id, username: m.username })),
          owner_id: group.creator_id,
        });
      },
    )
    .openapi(route004("get", "/get_group_conversation", "Your groups with unread counts (core GET /conversations?kind=group)", GroupsReply), async (c) => {
      const items = await wholeInbox(c, "group");
      return ok(c, GroupsReply, {
        conversations: items.map((x) => ({
          id: x.id,
          is_private: false as const,
          group_name: x.name,
          group_avatar: x.avatar_url ?? "",
          not_read: x.unread_count,
          disabled: x.disabled,
        })),
      });
    })
    .openapi(route004("post", "/add_admin", "The owner makes a member an admin: 31 not a member, 49 already (core PUT /chat-rooms/{id}/members/{id}/set-role)", Empty, body004(GroupMember)), async (c) => {
      const b = c.req.valid("json");
      const before = await role(c, b.group_id, b.member_id);
      await as004(setRole(c, b.group_id, b.member_id, "admin"), { ...GROUP, member_not_found: 31, cannot_change_owner: 48, cannot_change_own_role: 48 });
      // Allowed, and it already was: the write changed nothing.
      if (before === "admin") throw fail(49);
      return ok(c);
    })
    .openapi(route004("post", "/remove_admin", "The owner makes an admin a plain member: 42 not an admin, 43 not in the group (core set-role)", Empty, body004(GroupMember)), async (c) => {
      const b = c.req.valid("json");
      const before = await role(c, b.group_id, b.member_id);
      await as004(setRole(c, b.group_id, b.member_id, "member"), { ...GROUP, member_not_found: 43, cannot_change_owner: 48, cannot_change_own_role: 48 });
      if (before === "member") throw fail(42);
      return ok(c);
    })
    .openapi(
      route004("post", "/transfer_owner", "The owner hands the group to a member, and stays as an admin (core POST /chat-rooms/{id}/transfer-owner)", Empty, body004(z.object({ group_id: id004, new_owner_id: id004 }))),
      async (c) => {
        const b = c.req.valid("json");
        await as004(transferOwnership(c, b.group_id, b.new_owner_id), { ...GROUP, already_owner: 48, member_not_found: 43 });
        return ok(c);
      },
    )
    .openapi(
      route004("post", "/remove_member", "The owner removes anyone, an admin removes plain members: 44 yourself, 45 the owner, 46 an admin (core DELETE /chat-rooms/{id}/members/{id})", Empty, body004(GroupMember)),
      async (c) => {
        const b = c.req.valid("json");
        // The core lets a member remove themself (leaving); the document has quit_group for that.
        if (b.member_id === c.var.user.id) throw fail(44);
        const removed = removeMember(c, b.group_id, b.member_id).catch(async (e: unknown) => {
          // A plain refusal to remove an admin: the document has a row for that.
          if (e instanceof ApiError && e.code === "forbidden" && (await role(c, b.group_id, b.member_id)) === "admin") throw fail(46);
          throw e;
        });
        await as004(removed, { ...GROUP, member_not_found: 43, cannot_remove_owner: 45 });
        return ok(c);
      },
    )
    .openapi(
      route004(
        "post",
        "/invite_member",
        "Invite a user: the owner or an admin adds them at once; a member's invitation waits for review, {request_id} (core POST /chat-rooms/{id}/invitations)",
        InvitedReply,
        body004(z.object({ group_id: id004, invitee_id: id004 })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        const inv = await as004(invite(c, b.group_id, b.invitee_id), { ...GROUP, invitation_pending: 50, user_not_found: 2 });
        return ok(c, InvitedReply, inv.member_added ? { message: "User added directly by admin/owner" as const } : { request_id: inv.id });
      },
    )
    .openapi(
      route004("get", "/view_invitations", "A group's invitations for its owner and admins; group_id in the query (or, as the document prints it, a JSON body)", InvitationsReply, {
        query: z.object({ group_id: id004.optional() }),
      }),
      async (c) => {
        let groupId = c.req.valid("query").group_id;
        if (groupId === undefined) {
          const parsed = GroupOnly.safeParse(await c.req.json().catch(() => null));
          if (!parsed.success) throw fail(3);
          groupId = parsed.data.group_id;
        }
        const list = await as004(listInvitations(c, groupId, { limit: PAGE, offset: 0 }), GROUP);
        return ok(c, InvitationsReply, {
          join_requests: list.map((i) => ({
            request_id: i.id,
            invitee_id: i.invitee_id,
            invitee_name: i.invitee_name ?? "",
            inviter_id: i.inviter_id,
            inviter_name: i.inviter_name ?? "",
            status: INVITATION_STATUS[i.status],
            created_at: i.created_at,
          })),
        });
      },
    )
    .openapi(
      route004(
        "post",
        "/review_invitation",
        "The owner or an admin accepts (the invitee joins) or rejects an invitation (core POST /chat-rooms/invitations/{id}/process)",
        Empty,
        body004(z.object({ request_id: id004, response: z.enum(["accept", "reject"]) })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        await as004(processInvitation(c, b.request_id, b.response === "accept" ? "approved" : "rejected"), { ...GROUP, invitation_not_found: 51, not_found: 51 });
        return ok(c);
      },
    )
    .openapi(route004("post", "/quit_group", "Leave a group; the owner transfers it first (47); 41 not in it (core POST /chat-rooms/{id}/leave)", Empty, body004(GroupOnly)), async (c) => {
      // Its table has no 43: someone not in the group may not quit it (41), as every GROUP route says.
      await as004(leaveRoom(c, c.req.valid("json").group_id), { ...GROUP, owner_cannot_leave: 47 });
      return ok(c);
    })
    .openapi(route004("post", "/delete_group", "The owner dissolves the group (core DELETE /chat-rooms/{id})", Empty, body004(GroupOnly)), async (c) => {
      await as004(deleteRoom(c, c.req.valid("json").group_id), GROUP);
      return ok(c);
    });
};
