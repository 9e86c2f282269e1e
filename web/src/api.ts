// The app's data layer: every REST call and every socket the app opens goes through this module,
// so the components never build a URL or read a response header themselves. It is deliberately
// thin: when the frontend kit's client (client/) lands, these functions delegate to it.
import { createChatClient } from "../../client/src/index";
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
const API = `${API_ORIGIN}/api/v1`;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

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

/** The frontend kit's client: the sockets (and their REST fallbacks) use the token kept here. */
export const kit = createChatClient({ baseUrl: API_ORIGIN || location.origin, auth: { token: () => token } });

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, "network_error", "Cannot reach the server. Check your connection.");
  }
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    if (res.status === 401 && token && !path.startsWith("/auth/")) onSignedOut();
    const detail = typeof json?.detail === "string" ? json.detail : `The server answered ${res.status}`;
    throw new ApiError(res.status, json?.code ?? "http_error", detail);
  }
  return json as T;
}

type TokenResponse = { access_token: string; user: User };

export const api = {
  register: (username: string, password: string) => request<TokenResponse>("POST", "/auth/register", { username, password }),
  login: (username: string, password: string) => request<TokenResponse>("POST", "/auth/login", { username, password }),
  me: () => request<User>("GET", "/users/me"),
  updateMe: (patch: { display_name?: string | null; bio?: string | null }) => request<User>("PATCH", "/users/me", patch),
  uploadAvatar: (file: File) => {
    const form = new FormData();
    form.append("file", file);
    return request<User>("PUT", "/users/me/avatar", form);
  },
  searchUsers: (q: string) => request<User[]>("GET", `/users/search?q=${encodeURIComponent(q)}`),

  inbox: () => request<InboxItem[]>("GET", "/conversations?limit=100"),
  publicRooms: (q?: string) =>
    request<Room[]>("GET", `/chat-rooms?visibility_filter=public&limit=100${q ? `&q=${encodeURIComponent(q)}` : ""}`),
  room: (id: number) => request<Room>("GET", `/chat-rooms/${id}`),
  createRoom: (body: { name: string; description?: string; visibility: "public" | "private"; require_approval: boolean }) =>
    request<Room>("POST", "/chat-rooms", body),
  join: (id: number, message?: string) =>
    request<{ status: "pending" | "approved" | "rejected" }>("POST", `/chat-rooms/${id}/join-request`, message ? { message } : {}),
  joinRequests: (id: number) => request<JoinRequest[]>("GET", `/chat-rooms/${id}/join-requests`),
  processJoinRequest: (requestId: number, status: "approved" | "rejected") =>
    request<unknown>("POST", `/chat-rooms/join-requests/${requestId}/process`, { status }),
  direct: (userId: number) => request<Room>("POST", "/conversations/direct", { user_id: userId }),

  history: (roomId: number, opts: { before?: number; after?: number; limit?: number }) => {
    const q = new URLSearchParams({ limit: String(opts.limit ?? 50) });
    if (opts.before) q.set("before", String(opts.before));
    if (opts.after) q.set("after", String(opts.after));
    return request<ChatMessage[]>("GET", `/chat-rooms/${roomId}/messages?${q}`);
  },
  edit: (roomId: number, id: number, content_text: string) =>
    request<ChatMessage>("PATCH", `/chat-rooms/${roomId}/messages/${id}`, { content_text }),
  remove: (roomId: number, id: number) => request<unknown>("DELETE", `/chat-rooms/${roomId}/messages/${id}`),
  upload: (roomId: number, file: File, opts: { client_id: string; reply_to_id?: number | null }) => {
    const form = new FormData();
    form.append("file", file);
    form.append("client_id", opts.client_id);
    if (opts.reply_to_id) form.append("reply_to_id", String(opts.reply_to_id));
    return request<ChatMessage>("POST", `/chat-rooms/${roomId}/upload`, form);
  },

  notifications: () => request<Notification[]>("GET", "/notifications?limit=50"),
  notificationStats: () => request<{ unread: number }>("GET", "/notifications/stats"),
  readNotifications: () => request<unknown>("POST", "/notifications/read", { all: true }),
};

export type JoinRequest = { id: number; room_id: number; applicant_id: number; applicant_name: string | null; message: string | null; status: string };

/** Absolute URL of something the API returned as a path (media_url, avatar_url). */
export const assetUrl = (path: string | null) => (path && path.startsWith("/") ? `${API_ORIGIN}${path}` : path);
