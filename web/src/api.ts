// The app's data layer: every REST call goes through the frontend kit's client (client/: typed
// from the OpenAPI document), and so do the sockets (realtime.ts). The components never build a
// URL or read a response themselves; they get the data, or an ApiError with the server's text.
import { ApiError, createChatClient, ok } from "../../client/src/index";
import type { ChatMessage, InboxItem, Member, MessageVersion, Notification, Pin, Room, ThreadItem, User } from "./types";

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

// The session: a short-lived access token and the refresh token that renews it (POST
// /auth/refresh, rotated on every use). Both live in localStorage, so every tab shares one session;
// a refresh is serialized across tabs (Web Locks), because the server ends the whole session when a
// spent refresh token is used again.
const TOKEN_KEY = "edge-chat.token";
const REFRESH_KEY = "edge-chat.refresh";
export const getToken = () => localStorage.getItem(TOKEN_KEY);
export function setToken(t: string | null, refresh?: string) {
  if (t) localStorage.setItem(TOKEN_KEY, t);
  else localStorage.removeItem(TOKEN_KEY);
  if (refresh) localStorage.setItem(REFRESH_KEY, refresh);
  else if (!t) localStorage.removeItem(REFRESH_KEY);
}

/** Called when the server says the token is no longer good (401): the app shows the login. */
let onSignedOut: () => void = () => {};
export const onUnauthorized = (fn: () => void) => (onSignedOut = fn);

const base = API_ORIGIN || location.origin;
type Locks = { request(name: string, fn: () => Promise<string | null>): Promise<string | null> };
const locks = (navigator as unknown as { locks?: Locks }).locks;
let refreshing: Promise<string | null> | null = null;

/** A fresh access token, or null when the session is over. One refresh at a time, across tabs. */
function refreshAccess(): Promise<string | null> {
  const stale = getToken();
  const run = async () => {
    // Another tab may have refreshed while this one waited for the lock.
    const now = getToken();
    if (now && now !== stale) return now;
    const refresh_token = localStorage.getItem(REFRESH_KEY);
    if (!refresh_token) return null;
    const res = await fetch(`${base}/api/v1/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token }),
    });
    if (res.status >= 500) throw new Error(`refresh failed: ${res.status}`);
    if (!res.ok) return null;
    const body = (await res.json()) as { access_token: string; refresh_token: string };
    setToken(body.access_token, body.refresh_token);
    return body.access_token;
  };
  if (!refreshing) {
    const started: Promise<string | null> = locks ? locks.request("edge-chat.refresh", run) : run();
    refreshing = started.finally(() => (refreshing = null));
  }
  return refreshing;
}

/** The frontend kit's client: every REST call and socket goes through it, with the session kept here. */
export const kit = createChatClient({
  baseUrl: base,
  auth: {
    token: ({ fresh }) => (fresh ? refreshAccess().catch(() => null) : getToken()),
    // Sockets are admitted with a single-use ticket, never with the token in the URL. A network
    // failure throws (the connection retries later); null means the session is over.
    socketParams: async (_target, { fresh }) => {
      if (fresh && !(await refreshAccess())) return null;
      const { data, response } = await kit.rest.POST("/api/v1/auth/socket-ticket");
      if (data) return { ticket: data.ticket };
      if (response.status === 401) return null;
      throw new Error(`socket ticket: ${response.status}`);
    },
  },
});
const rest = kit.rest;

/** One kit call: the data as the app reads it, or an ApiError carrying the server's own text. */
async function call<T>(pending: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
  let r: Awaited<typeof pending>;
  try {
    r = await pending;
  } catch {
    throw new ApiError(0, "network_error", "Cannot reach the server. Check your connection.");
  }
  if (r.response.status === 401 && getToken() && !new URL(r.response.url).pathname.startsWith("/api/v1/auth/")) onSignedOut();
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

type TokenResponse = { access_token: string; refresh_token: string; user: User };

export const api = {
  register: (username: string, password: string) => call<TokenResponse>(rest.POST("/api/v1/auth/register", { body: { username, password } })),
  login: (username: string, password: string) => call<TokenResponse>(rest.POST("/api/v1/auth/login", { body: { username, password } })),
  /** Ends this session on the server (its sockets close); the caller forgets the tokens either way. */
  logout: (token = getToken()) =>
    token ? call<unknown>(rest.POST("/api/v1/auth/logout", { headers: { Authorization: `Bearer ${token}` } })).catch(() => undefined) : Promise.resolve(),
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
  members: (id: number) => call<Member[]>(rest.GET("/api/v1/chat-rooms/{room_id}/members", { params: { path: { room_id: id }, query: { limit: 100 } } })),
  /** Removes a member (owner and admins; the room closes their sockets, saying why). */
  removeMember: (id: number, member_id: number) =>
    call<unknown>(rest.DELETE("/api/v1/chat-rooms/{room_id}/members/{member_id}", { params: { path: { room_id: id, member_id } } })),
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

  versions: (id: number, message_id: number) =>
    call<MessageVersion[]>(rest.GET("/api/v1/chat-rooms/{room_id}/messages/{message_id}/edits", { params: { path: { room_id: id, message_id }, query: { limit: 100 } } })),
  pins: (id: number) => call<Pin[]>(rest.GET("/api/v1/chat-rooms/{room_id}/pins", room_id(id))),
  pin: (id: number, message_id: number) => call<Pin>(rest.PUT("/api/v1/chat-rooms/{room_id}/pins/{message_id}", { params: { path: { room_id: id, message_id } } })),
  unpin: (id: number, message_id: number) => call<unknown>(rest.DELETE("/api/v1/chat-rooms/{room_id}/pins/{message_id}", { params: { path: { room_id: id, message_id } } })),

  /** The room's threads, newest activity first, each with my unread count in it. */
  threads: (id: number) =>
    call<{ threads: ThreadItem[]; next_cursor: number | null }>(rest.GET("/api/v1/chat-rooms/{room_id}/threads", { params: { path: { room_id: id }, query: { limit: 50 } } })).then((r) => r.threads),
  /** A thread's replies, oldest first (after: only those newer than that id). */
  thread: (id: number, root_id: number, opts: { after?: number; before?: number; limit?: number } = {}) =>
    call<{ root: ChatMessage; messages: ChatMessage[] }>(
      rest.GET("/api/v1/chat-rooms/{room_id}/threads/{root_id}", { params: { path: { room_id: id, root_id }, query: { limit: opts.limit ?? 100, ...opts } } }),
    ).then((r) => r.messages),
  readThread: (id: number, root_id: number) => call<unknown>(rest.POST("/api/v1/chat-rooms/{room_id}/threads/{root_id}/read", { params: { path: { room_id: id, root_id } } })),
  /** Follow (its replies count as unread for me) or stop following a thread. */
  followThread: (id: number, root_id: number, on: boolean) => {
    const at = { params: { path: { room_id: id, root_id } } };
    return call<unknown>(on ? rest.PUT("/api/v1/chat-rooms/{room_id}/threads/{root_id}/follow", at) : rest.DELETE("/api/v1/chat-rooms/{room_id}/threads/{root_id}/follow", at));
  },

  notifications: () => call<Notification[]>(rest.GET("/api/v1/notifications", { params: { query: { limit: 50 } } })),
  notificationStats: () => call<{ unread: number }>(rest.GET("/api/v1/notifications/stats")),
  readNotifications: () => call<unknown>(rest.POST("/api/v1/notifications/read", { body: { all: true } })),
};

export type JoinRequest = { id: number; room_id: number; applicant_id: number; applicant_name: string | null; message: string | null; status: string };

/** Absolute URL of something the API returned as a path (media_url, avatar_url). */
export const assetUrl = (path: string | null) => (path && path.startsWith("/") ? `${API_ORIGIN}${path}` : path);
