// The friends routes (reference doc 004): each is zod in, one call into ./service.ts, JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { id, json, jsonBody, noContent, PageQuery, pick, UserIdParam } from "../http/schemas";
import {
  FriendGroupResponse,
  FriendGroupUpdate,
  FriendListQuery,
  FriendRequestCreate,
  FriendRequestListQuery,
  FriendRequestLists,
  FriendRequestRespond,
  FriendRequestResponse,
  FriendResponse,
} from "./schemas";
import { listFriends, listGroups, listRequests, removeFriend, respondToRequest, sendRequest, setFriendGroup } from "./service";

export const friendRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/requests",
      tags: ["friends"],
      summary:
        "Send a friend request. If they already asked you, the two requests meet and you become friends at once (status accepted).",
      request: jsonBody(FriendRequestCreate),
      responses: { 200: json(FriendRequestResponse), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { user_id, message } = c.req.valid("json");
      return c.json(await sendRequest(c, user_id, message), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/requests",
      tags: ["friends"],
      summary: "Friend requests you received and sent, newest first (limit/offset apply to each list)",
      request: { query: FriendRequestListQuery },
      responses: { 200: json(FriendRequestLists), ...pick(400, 401) },
    }),
    async (c) => c.json(await listRequests(c, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/requests/{request_id}/respond",
      tags: ["friends"],
      summary: "Accept or reject a pending friend request sent to you",
      request: { params: z.object({ request_id: id("request_id") }), ...jsonBody(FriendRequestRespond) },
      responses: { 200: json(FriendRequestResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await respondToRequest(c, c.req.valid("param").request_id, c.req.valid("json").action), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["friends"],
      summary: "Your friends, by username; ?group= lists one friend group",
      request: { query: FriendListQuery },
      responses: { 200: json(z.array(FriendResponse)), ...pick(400, 401) },
    }),
    async (c) => c.json(await listFriends(c, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/groups",
      tags: ["friends"],
      summary: "Your friend groups with the number of friends in each",
      request: { query: PageQuery },
      responses: { 200: json(z.array(FriendGroupResponse)), ...pick(400, 401) },
    }),
    async (c) => c.json(await listGroups(c, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{user_id}",
      tags: ["friends"],
      summary: "Remove a friend (for both of you). 404 no such user, 409 not friends.",
      request: { params: UserIdParam },
      responses: { ...noContent, ...pick(400, 401, 404, 409) },
    }),
    async (c) => {
      await removeFriend(c, c.req.valid("param").user_id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{user_id}/group",
      tags: ["friends"],
      summary: "Put a friend in one of your friend groups (null: no group). Only your side changes.",
      request: { params: UserIdParam, ...jsonBody(FriendGroupUpdate) },
      responses: { 200: json(FriendResponse), ...pick(400, 401, 404, 409) },
    }),
    async (c) => c.json(await setFriendGroup(c, c.req.valid("param").user_id, c.req.valid("json").group), 200),
  );
