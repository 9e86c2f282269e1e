// Auth shapes: registration and login requests, the token replies, sessions and socket tickets.
import { z } from "@hono/zod-openapi";
import { displayName, email, password, phone, UserResponse, username } from "../users/schemas";
import { TICKET_TTL_SECONDS } from "./sessions";

const tokenFields = {
  access_token: z.string(),
  token_type: z.literal("bearer"),
  expires_in: z.number().int().openapi({ description: "Seconds the access token is valid (ACCESS_TOKEN_TTL_SECONDS, default 900)" }),
  refresh_token: z.string().openapi({ description: "Single use: POST /auth/refresh returns a new one. Reusing a spent one ends the session" }),
  refresh_expires_in: z.number().int().openapi({ description: "Seconds the refresh token is valid unless used (REFRESH_TOKEN_TTL_SECONDS)" }),
  session_id: z.string(),
};
export const TokenResponse = z.object({ ...tokenFields, user: UserResponse }).openapi("TokenResponse");
export const RefreshResponse = z.object(tokenFields).openapi("RefreshResponse");
export const RefreshRequest = z.object({ refresh_token: z.string().min(1).max(256) }).openapi("RefreshRequest");
export const SessionResponse = z
  .object({
    id: z.string(),
    kind: z.enum(["short", "legacy"]).openapi({ description: "short: refreshable; legacy: one long-lived token (clients without refresh)" }),
    created_at: z.string(),
    last_used_at: z.string().openapi({ description: "Updated at most once a minute" }),
    expires_at: z.string(),
    user_agent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean().openapi({ description: "The session of the token making this request" }),
  })
  .openapi("SessionResponse");
export const TicketResponse = z
  .object({ ticket: z.string(), expires_in: z.number().int().openapi({ description: `Seconds (${TICKET_TTL_SECONDS}); good for one socket` }) })
  .openapi("SocketTicket");

export const Register = z
  .object({
    username,
    password,
    email: email.optional(),
    phone: phone.optional(),
    display_name: displayName.optional(),
  })
  .openapi("RegisterRequest");
export const Login = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(128) }).openapi("LoginRequest");

export type Tokens = z.infer<typeof TokenResponse>;
