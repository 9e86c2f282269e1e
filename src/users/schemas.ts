// User shapes: the private view (yourself), the public profile, the account requests, and field
// rules shared by registration and profile updates.
import { z } from "@hono/zod-openapi";
import { httpsUrl } from "../http/schemas";
import type { UserRow } from "../db/schema";
import { contactFor, type Viewer } from "./privacy";

export const username = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/, "3-32 characters of letters, digits, '_', '.', '-'");
/** The shape of a password; its minimum length is configured (PASSWORD_MIN_LENGTH) and checked by passwordProblem. */
export const password = z.string().min(1, "must not be empty").max(128, "at most 128 characters");
export const email = z.email("not a valid email address").max(254);
export const phone = z.string().regex(/^\+?[0-9]{5,20}$/, "digits only, optionally a leading +");
export const displayName = z.string().trim().min(1).max(64);

export const UserResponse = z
  .object({
    id: z.number().int(),
    username: z.string(),
    display_name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    avatar_url: z.string().nullable(),
    bio: z.string().nullable(),
    is_admin: z.boolean(),
    dm_policy: z.enum(["everyone", "friends"]).openapi({ description: "Who may open a direct conversation with you" }),
    created_at: z.string(),
  })
  .openapi("UserResponse");

export const PublicUser = z
  .object({
    id: z.number().int(),
    username: z.string(),
    display_name: z.string().nullable(),
    avatar_url: z.string().nullable(),
    bio: z.string().nullable(),
    created_at: z.string(),
    followers_count: z.number().int().optional(),
    following_count: z.number().int().optional(),
    is_following: z.boolean().optional(),
    follows_you: z.boolean().optional(),
    is_friend: z.boolean().optional(),
    blocked: z.boolean().optional().openapi({ description: "You blocked this user" }),
  })
  .openapi("PublicUser");

/** An account as `viewer` sees it (the account itself unless given): contact fields per users/privacy. */
export const toUserResponse = (u: UserRow, viewer: Viewer = u): z.infer<typeof UserResponse> => ({
  id: u.id,
  username: u.username,
  display_name: u.displayName,
  ...contactFor(viewer, u.id, u),
  avatar_url: u.avatarUrl,
  bio: u.bio,
  is_admin: u.isAdmin,
  dm_policy: u.dmPolicy,
  created_at: u.createdAt,
});

export const toPublicUser = (u: Pick<UserRow, "id" | "username" | "displayName" | "avatarUrl" | "bio" | "createdAt">) => ({
  id: u.id,
  username: u.username,
  display_name: u.displayName,
  avatar_url: u.avatarUrl,
  bio: u.bio,
  created_at: u.createdAt,
});

export const UpdateMe = z
  .object({
    display_name: displayName.nullable(),
    email: email.nullable(),
    phone: phone.nullable(),
    // An outside URL, or the user's own uploaded picture sent back unchanged (a whole profile form).
    avatar_url: z.union([httpsUrl, z.string().regex(/^\/api\/v1\/avatars\/[1-9][0-9]{0,15}$/)]).nullable(),
    bio: z.string().max(500).nullable(),
    dm_policy: z.enum(["everyone", "friends"]),
    current_password: z.string().min(1).max(128).openapi({ description: "Required to change email or phone" }),
  })
  .partial()
  .strict()
  .openapi("UpdateMeRequest");

export const ChangePassword = z.object({ old_password: z.string().min(1).max(128), new_password: password }).openapi("ChangePasswordRequest");
export const DeleteMe = z.object({ password: z.string().min(1).max(128) }).openapi("DeleteAccountRequest");
/** A fresh access token (after a password change). */
export const AccessToken = z.object({ access_token: z.string(), token_type: z.literal("bearer"), expires_in: z.number().int() });

export type UserView = z.infer<typeof UserResponse>;
export type PublicProfile = z.infer<typeof PublicUser>;
