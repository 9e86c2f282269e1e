// The app's data layer: every REST call goes through the frontend kit's client (client/: typed
// from the OpenAPI document), and so do the sockets (realtime.ts). The components never build a
// URL or read a response themselves; they get the data, or an ApiError with the server's text.
import { ApiError, createChatClient, ok } from "../../client/src/index";
import type { ChatMessage, InboxItem, Notification, Room, User } from "./types";

/**
 * Where the API lives. Same origin by default; a deployment can point the app elsewhere at build
 * time (VITE_API_ORIGIN) or at run time (the `edge-chat-api-origin` meta tag in index.html).
 */
export const API_ORIGIN = (
  (import.meta.env.VITE_API_ORIGIN as string | undefined) ||
  document.querySelector<HTMLMetaElement>('meta[name="edge-chat-api-origin"]')?.content ||
  ""
).replace(/\/$/, "");

export { ApiError };

const TOKEN_KEY = "edge-chat.token";
let token: string | null = localStorage.getItem(TOKEN_KEY);
export const getToken = () => token;
export function setToken(t: string | null) {
  token = t;
  if (t) localStorage.setItem(TOKEN_KEY, t);
  else localStorage.removeItem(TOKEN_KEY);
}

/** Called when the server says the token is no longer good (401): the app shows the login. */
let onSignedOut: () => void = () => {};
export const onUnauthorized = (fn: () => void) => (onSignedOut = fn);

/** The frontend kit's client: every REST call and socket goes through it, with the token kept here. */
export const kit = createChatClient({ baseUrl: API_ORIGIN || location.origin, auth: { token: () => token } });
const rest = kit.rest;

/** One kit call: the data as the app reads it, or an ApiError carrying the server's own text. */
async function call<T>(pending: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
  let r: Awaited<typeof pending>;
  try {
    r = await pending;
  } catch {
    throw new ApiError(0, "network_error", "Cannot reach the server. Check your connection.");
  }
  if (r.response.status === 401 && token && !new URL(r.response.url).pathname.startsWith("/api/v1/auth/")) onSignedOut();
  // 204s have no body: the kit's ok() wants data, so answer those here.
  if (r.response.ok && r.error === undefined) return r.data as T;
  return ok(r) as T;
}

const form = (fields: Record<string, string | Blob | undefined>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) f.append(k, v);
  // The generated body types describe the multipart fields; FormData is what goes on the wire.
  return f as never;
};
const room_id = (id: number) => ({ params: { path: { room_id: id } } });

type TokenResponse = { access_token: string; user: User };

export const api = {
  register: (username: string, password: string) => call<TokenResponse>(rest.POST("/api/v1/auth/register", { body: { username, password } })),
  login: (username: string, password: string) => call<TokenResponse>(rest.POST("/api/v1/auth/login", { body: { username, password } })),
  me: () => call<User>(rest.GET("/api/v1/users/me")),
  updateMe: (patch: { display_name?: string | null }) => call<User>(rest.PATCH("/api/v1/users/me", { body: patch })),
  uploadAvatar: (file: File) => call<User>(rest.PUT("/api/v1/users/me/avatar", { body: form({ file }) })),
  searchUsers: (q: string) => call<User[]>(rest.GET("/api/v1/users/search", { params: { query: { q } } })),

  inbox: () => call<InboxItem[]>(rest.GET("/api/v1/conversations", { params: { query: { limit: 100 } } })),
  publicRooms: (q?: string) =>
    call<Room[]>(rest.GET("/api/v1/chat-rooms", { params: { query: { visibility_filter: "public", limit: 100, ...(q ? { q } : {}) } } })),
  room: (id: number) => call<Room>(rest.GET("/api/v1/chat-rooms/{room_id}", room_id(id))),
  createRoom: (body: { name: string; description?: string; visibility: "public" | "private"; require_approval: boolean }) =>
    call<Room>(rest.POST("/api/v1/chat-rooms", { body })),
  join: (id: number) => call<{ status: "pending" | "approved" | "rejected" }>(rest.POST("/api/v1/chat-rooms/{room_id}/join-request", { ...room_id(id), body: {} })),
  joinRequests: (id: number) => call<JoinRequest[]>(rest.GET("/api/v1/chat-rooms/{room_id}/join-requests", room_id(id))),
  processJoinRequest: (requestId: number, status: "approved" | "rejected") =>
    call<unknown>(rest.POST("/api/v1/chat-rooms/join-requests/{request_id}/process", { params: { path: { request_id: requestId } }, body: { status } })),
  direct: (userId: number) => call<Room>(rest.POST("/api/v1/conversations/direct", { body: { user_id: userId } })),

  history: (id: number, opts: { before?: number; after?: number; limit?: number }) =>
    call<ChatMessage[]>(rest.GET("/api/v1/chat-rooms/{room_id}/messages", { params: { path: { room_id: id }, query: { limit: opts.limit ?? 50, ...opts } } })),
  edit: (id: number, message_id: number, content_text: string) =>
    call<ChatMessage>(rest.PATCH("/api/v1/chat-rooms/{room_id}/messages/{message_id}", { params: { path: { room_id: id, message_id } }, body: { content_text } })),
  remove: (id: number, message_id: number) =>
    call<unknown>(rest.DELETE("/api/v1/chat-rooms/{room_id}/messages/{message_id}", { params: { path: { room_id: id, message_id } } })),
  upload: (id: number, file: File, opts: { client_id: string; reply_to_id?: number | null }) =>
    call<ChatMessage>(
      rest.POST("/api/v1/chat-rooms/{room_id}/upload", {
        ...room_id(id),
        body: form({ file, client_id: opts.client_id, reply_to_id: opts.reply_to_id ? String(opts.reply_to_id) : undefined }),
      }),
    ),

  notifications: () => call<Notification[]>(rest.GET("/api/v1/notifications", { params: { query: { limit: 50 } } })),
  notificationStats: () => call<{ unread: number }>(rest.GET("/api/v1/notifications/stats")),
  readNotifications: () => call<unknown>(rest.POST("/api/v1/notifications/read", { body: { all: true } })),
};

export type JoinRequest = { id: number; room_id: number; applicant_id: number; applicant_name: string | null; message: string | null; status: string };

/** Absolute URL of something the API returned as a path (media_url, avatar_url). */
export const assetUrl = (path: string | null) => (path && path.startsWith("/") ? `${API_ORIGIN}${path}` : path);
