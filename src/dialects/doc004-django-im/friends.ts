// Document 004, friends: requests both ways, responding, the friend list, removing a friend and
// friend groups, on the core's friends feature (/api/v1/friends).
import { z } from "@hono/zod-openapi";
import { router } from "../../http/app-env";
import { query, type Core } from "../in-process";
import { asUser, body004, docTime, id004, route004, signedIn } from "./common";
import { expectOk, fail, ok } from "./envelope";

type CoreRequest = {
  id: number;
  from_id: number;
  from_name: string;
  from_avatar_url: string | null;
  to_id: number;
  to_name: string;
  to_avatar_url: string | null;
  status: "pending" | "accepted" | "rejected";
  created_at: string;
};

/** The document answers a request with "accept" / "reject"; its status reads the same way. */
const STATUS = { pending: "pending", accepted: "accept", rejected: "reject" } as const;
const PAGE = 100;

export const friendRoutes = (core: Core) => {
  const r = router();
  for (const p of ["/send_friend_request", "/friend_requests", "/respond_friend_request", "/delete_friend", "/get_friends", "/add_friend_to_friend_group"])
    r.use(p, signedIn);
  return r
    .openapi(
      route004("post", "/send_friend_request", "Ask a user to be friends (core POST /friends/requests)", body004(z.object({ friend_id: id004 }))),
      async (c) => {
        const reply = await asUser(core, c, { method: "POST", path: "/friends/requests", json: { user_id: c.req.valid("json").friend_id } });
        expectOk(reply, { cannot_friend_self: 23, user_not_found: 20, already_friends: 24, request_already_sent: 25 });
        return ok(c);
      },
    )
    .openapi(route004("get", "/friend_requests", "Requests you received (requests) and sent (sent_requests), newest first, 100 of each"), async (c) => {
      const lists = expectOk(await asUser(core, c, { method: "GET", path: `/friends/requests${query({ limit: PAGE })}` })) as {
        received: CoreRequest[];
        sent: CoreRequest[];
      };
      return ok(c, {
        requests: lists.received.map((x) => ({
          request_id: x.id,
          sender_id: x.from_id,
          sender_name: x.from_name,
          sender_avatar: x.from_avatar_url ?? "",
          status: STATUS[x.status],
          sent_time: docTime(x.created_at),
        })),
        sent_requests: lists.sent.map((x) => ({
          request_id: x.id,
          receiver_id: x.to_id,
          receiver_name: x.to_name,
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
        body004(z.object({ request_id: id004, response: z.enum(["accept", "reject"]) })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        const reply = await asUser(core, c, { method: "POST", path: `/friends/requests/${b.request_id}/respond`, json: { action: b.response } });
        // Someone else's request is "not found" to you, as in the core.
        expectOk(reply, { friend_request_not_found: 21, not_recipient: 21 });
        return ok(c);
      },
    )
    .openapi(
      route004("post", "/delete_friend", "Remove a friend, for both of you: 22 no such user, 26 not friends (core DELETE /friends/{id})", body004(z.object({ friend_id: id004 }))),
      async (c) => {
        const reply = await asUser(core, c, { method: "DELETE", path: `/friends/${c.req.valid("json").friend_id}` });
        expectOk(reply, { user_not_found: 22, not_friends: 26, cannot_target_self: 26 });
        return ok(c);
      },
    )
    .openapi(route004("get", "/get_friends", "Your friends, by username (core GET /friends)"), async (c) => {
      // Paged through to the end: the document has no paging.
      const friends: { id: number; username: string; avatar_url: string | null; group: string | null }[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = expectOk(await asUser(core, c, { method: "GET", path: `/friends${query({ limit: PAGE, offset })}` })) as typeof friends;
        friends.push(...page);
        if (page.length < PAGE) break;
      }
      return ok(c, {
        friends: friends.map((f) => ({ friend_id: f.id, friend_name: f.username, friend_avatar: f.avatar_url ?? "", friend_group: f.group })),
      });
    })
    .openapi(
      route004(
        "post",
        "/add_friend_to_friend_group",
        "Put a friend in one of your groups; a group is named by friend_group_id (core PUT /friends/{id}/group)",
        body004(z.object({ friend_id: id004, friend_group_id: z.union([z.string(), z.number()]) })),
      ),
      async (c) => {
        const b = c.req.valid("json");
        const group = String(b.friend_group_id).trim();
        if (!group) throw fail(27);
        const reply = await asUser(core, c, { method: "PUT", path: `/friends/${b.friend_id}/group`, json: { group } });
        expectOk(reply, { not_friends: 26, user_not_found: 26, cannot_target_self: 26, invalid_request: 27 });
        return ok(c);
      },
    );
};
