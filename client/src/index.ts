// edge chat's client: REST typed from the server's OpenAPI document, and room and user sockets
// that reconnect, resume, fill gaps and keep an outbox. Browsers and Node ≥ 22. See docs/client.md.
import { RoomConnection, type RoomOptions } from "./room";
import { createRest, ok, type AuthHooks, type FetchLike, type Rest } from "./rest";
import { UserConnection, type UserOptions } from "./user";
import type { ConnectionOptions } from "./connection";

export { ApiError, createRest, ok } from "./rest";
export type { AuthHooks, FetchLike, paths, Rest, SocketTarget, TokenProvider } from "./rest";
export { backoffDelay, type BackoffOptions } from "./backoff";
export { Connection, type ConnectionOptions, type WebSocketCtor, type WebSocketLike } from "./connection";
export { ConnectionClosedError, RoomConnection, type Pending, type RoomEvents, type RoomOptions } from "./room";
export { UserConnection, type UserEvents, type UserOptions } from "./user";
export type * from "./types";

export type ChatClientOptions = ConnectionOptions & {
  /** The worker's origin, e.g. "http://localhost:8787" or "https://chat.example.com". */
  baseUrl: string;
  /** Where tokens come from. Default: the one `login()` / `register()` / `setToken()` keeps in memory. */
  auth?: AuthHooks;
  /** The fetch to use (default: the global one). */
  fetch?: FetchLike;
};

export type ChatClient = {
  /** Typed REST: `rest.GET("/api/v1/chat-rooms/{room_id}/messages", { params: { path: { room_id } } })`. */
  rest: Rest;
  /** Logs in (POST /auth/login) and keeps the token for REST and sockets (default auth only). */
  login(username: string, password: string): Promise<{ access_token: string; user: { id: number; username: string } }>;
  register(body: { username: string; password: string; email?: string; display_name?: string }): Promise<{ access_token: string; user: { id: number; username: string } }>;
  setToken(token: string | null): void;
  /** A room's socket; it connects at once and stays connected until `close()` or a final close code. */
  room(roomId: number, opts?: Omit<RoomOptions, keyof ConnectionOptions> & ConnectionOptions): RoomConnection;
  /** Your own socket (notifications). */
  user(opts?: UserOptions): UserConnection;
};

export function createChatClient(options: ChatClientOptions): ChatClient {
  const base = options.baseUrl.replace(/\/+$/, "");
  const wsBase = base.replace(/^http/, "ws");
  let token: string | null = null;
  const auth: AuthHooks = options.auth ?? { token: () => token };
  const rest = createRest(base, auth, options.fetch);
  const { baseUrl: _b, auth: _a, fetch: _f, ...connection } = options;
  const keep = (r: { access_token: string; user: { id: number; username: string } }) => {
    token = r.access_token;
    return r;
  };
  return {
    rest,
    login: async (username, password) => keep(ok(await rest.POST("/api/v1/auth/login", { body: { username, password } }))),
    register: async (body) => keep(ok(await rest.POST("/api/v1/auth/register", { body }))),
    setToken: (t) => void (token = t),
    room: (roomId, opts = {}) => new RoomConnection(roomId, wsBase, auth, rest, { ...connection, ...opts }),
    user: (opts = {}) => new UserConnection(wsBase, auth, rest, { ...connection, ...opts }),
  };
}
