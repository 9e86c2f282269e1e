// Document 004, friends: requests both ways, responding, the friend list, removing a friend and
// friend groups, on the core's friends service (friends/service.ts).
import { z } from "@hono/zod-openapi";
import { FriendRequestCreate, groupName } from "../../friends/schemas";
import { listFriends, listRequests, removeFriend, respondToRequest, sendRequest, setFriendGroup, type Friend, type FriendRequest } from "../../friends/service";
import { router } from "../../http/app-env";
import { body004, docTime, id004, route004, signedIn } from "./common";
import { as004, fail, ok } from "./envelope";
import { Empty, FriendRequestsReply, FriendsReply } from "./models";

/** The document answers a request with "accept" / "reject"; its status reads the same way. */
const STATUS = { pending: "pending", accepted: "accept", rejected: "reject" } as const satisfies Record<FriendRequest["status"], string>;
const PAGE = 100;

export const friendRoutes = () => {
  const r = router();
  for (const p of ["/send_friend_request", "/friend_requests", "/respond_friend_request", "/delete_friend", "/get_friends", "/add_friend_to_friend_group"])
    r.use(p, signedIn);
  return r
    .openapi(
      route004("post", "/send_friend_request", "Ask a user to be friends (core POST /friends/requests)", Empty, body004(z.object({ friend_id: id004 }))),
      async (c) => {
        // The core's request shape: an id past 2^53 is invalid there (3), not a missing user.
        const request = FriendRequestCreate.safeParse({ user_id: c.req.valid("json").friend_id });
        if (!request.success) throw fail(3);
        await as004(sendRequest(c, request.data.user_id), { cannot_friend_self: 23, user_not_found: 20, already_friends: 24, request_already_sent: 25 });
        return ok(c);
      },
    )
    .openapi(route004("get", "/friend_requests", "Requests you received (requests) and sent (sent_requests), newest first, 100 of each", FriendRequestsReply), async (c) => {
      const lists = await as004(listRequests(c, { limit: PAGE, offset: 0 }));
      return ok(c, FriendRequestsReply, {
        requests: lists.received.map((x) => ({
          request_id: x.id,
          sender_id: x.from_id,
          sender_name: x.from_name ?? "",
          sender_avatar: x.from_avatar_url ?? "",
          status: STATUS[x.status],
          sent_time: docTime(x.created_at),
        })),
        sent_requests: lists.sent.map((x) => ({
          request_id: x.id,
          receiver_id: x.to_id,
          receiver_name: x.to_name ?? "",
          receiver_avatar: x.to_avatar_url ?? "",
          status: STATUS[x.status],
          sent_time: docTime(x.created_at),
        })),
      });
    })
    .openapi(
      route004(
        "post",
        "/respond_friend_request",
        "Accept or reject a request sent to you (core POST /friends/requests/{id}/respond)",
        Empty,
        body004(z.object({ request_id: id004, response: z.enum(["accept", "reject"]) })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        // Someone else's request is "not found" to you, as in the core.
        await as004(respondToRequest(c, b.request_id, b.response), { friend_request_not_found: 21, not_recipient: 21 });
        return ok(c);
      },
    )
    .openapi(
      route004("post", "/delete_friend", "Remove a friend, for both of you: 22 no such user, 26 not friends (core DELETE /friends/{id})", Empty, body004(z.object({ friend_id: id004 }))),
      async (c) => {
        await as004(removeFriend(c, c.req.valid("json").friend_id), { user_not_found: 22, not_friends: 26, cannot_target_self: 26 });
        return ok(c);
      },
    )
    .openapi(route004("get", "/get_friends", "Your friends, by username (core GET /friends)", FriendsReply), async (c) => {
      // Paged through to the end: the document has no paging.
      const friends: Friend[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await as004(listFriends(c, { limit: PAGE, offset }));
        friends.push(...page);
        if (page.length < PAGE) break;
      }
      return ok(c, FriendsReply, {
        friends: friends.map((f) => ({ friend_id: f.id, friend_name: f.username, friend_avatar: f.avatar_url ?? "", friend_group: f.group })),
      });
    })
    .openapi(
      route004(
        "post",
        "/add_friend_to_friend_group",
        "Put a friend in one of your groups; a group is named by friend_group_id (core PUT /friends/{id}/group)",
        Empty,
        body004(z.object({ friend_id: id004, friend_group_id: z.union([z.string(), z.number()]) })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        // The core's group name rule (a refusal is 27, as the core's invalid_request).
        const group = groupName.safeParse(String(b.friend_group_id).trim());
        if (!group.success) throw fail(27);
        await as004(setFriendGroup(c, b.friend_id, group.data), { not_friends: 26, user_not_found: 26, cannot_target_self: 26 });
        return ok(c);
      },
    );
};
