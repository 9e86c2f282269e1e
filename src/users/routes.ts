// The account routes after registration (your own profile, password change, account deletion,
// user search, public profiles): each is zod in, one call into ./service.ts, JSON out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, jsonBody, noContent, PageQuery, pick, UserIdParam } from "../http/schemas";
import { AccessToken, ChangePassword, DeleteMe, PublicUser, UpdateMe, UserResponse } from "./schemas";
import { changePassword, deleteAccount, getMe, searchUsers, updateMe, userProfile } from "./service";

export const userRoutes = router()
  .openapi(
    createRoute({ method: "get", path: "/me", tags: ["users"], summary: "Your own account", responses: { 200: json(UserResponse), ...pick(401) } }),
    async (c) => c.json(await getMe(c), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/me",
      tags: ["users"],
      summary: "Update your profile (only the fields given). Changing email or phone needs current_password",
      request: jsonBody(UpdateMe),
      responses: { 200: json(UserResponse), ...pick(400, 401, 403, 429) },
    }),
    async (c) => c.json(await updateMe(c, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/password",
      tags: ["users"],
      summary: "Change your password (the old one is required); returns a fresh token, older tokens stop working",
      request: jsonBody(ChangePassword),
      responses: { 200: json(AccessToken), ...pick(400, 401, 403, 429) },
    }),
    async (c) => c.json(await changePassword(c, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me",
      tags: ["users"],
      summary: "Delete your account (password required). Refused while you own rooms: transfer or delete them first.",
      request: jsonBody(DeleteMe),
      responses: { ...noContent, ...pick(400, 401, 403, 409, 429) },
    }),
    async (c) => {
      await deleteAccount(c, c.req.valid("json").password);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/search",
      tags: ["users"],
      summary: "Find users by a keyword in their username or display name",
      request: {
        query: PageQuery.extend({
          q: z.string().trim().min(1).max(64).optional(),
          keyword: z.string().trim().min(1).max(64).optional().openapi({ description: "Alias of q (document 003)" }),
        }).refine((x) => (x.q ?? x.keyword) !== undefined, { message: "give q (or keyword)", path: ["q"] }),
      },
      responses: { 200: json(z.array(PublicUser)), ...pick(400, 401) },
    }),
    async (c) => {
      const { q, keyword, limit, offset } = c.req.valid("query");
      return c.json(await searchUsers(c, { q: (q ?? keyword)!, limit, offset }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{user_id}",
      tags: ["users"],
      summary: "A user's public profile, with follow counts and your relationship to them",
      request: { params: UserIdParam },
      responses: { 200: json(PublicUser), ...pick(400, 401, 404) },
    }),
    async (c) => {
      // The core's public profile never carries contact fields (GET /users/me does, for yourself).
      const { contact: _, ...profile } = await userProfile(c, c.req.valid("param").user_id);
      return c.json(profile, 200);
    },
  );
