// The frame types, inferred from the server's own zod schemas (never copied): the same modules the
// room object and the user hub build and parse their frames with.
import type { z } from "zod";
import type { ChatMessage as ChatMessageSchema, ClosingFrame as ClosingFrameSchema, MessageVersion as MessageVersionSchema, Pin as PinSchema, ServerFrame, RoomClientFrames } from "../../src/room/protocol";
import type { UserServerFrame } from "../../src/realtime/protocol";
import type { Notification as NotificationSchema } from "../../src/notifications/schema";
import type { components } from "./rest.gen";

export type ChatMessage = z.infer<typeof ChatMessageSchema>;
export type Notification = z.infer<typeof NotificationSchema>;
/** A pinned message (GET /pins, and the message_pinned frame). */
export type Pin = z.infer<typeof PinSchema>;
/** One of your mentions (GET /users/me/mentions): REST only, so typed from the OpenAPI document. */
export type Mention = components["schemas"]["Mention"];
/** One version of a message's text (GET /messages/{id}/edits). */
export type MessageVersion = z.infer<typeof MessageVersionSchema>;
/** Every frame a room socket sends (batch frames are unwrapped before you see them). */
export type RoomFrame = z.infer<typeof ServerFrame>;
/** Every frame the user socket sends. */
export type UserFrame = z.infer<typeof UserServerFrame>;
/** What `room.send()` takes: a chat_message frame without its type (client_id optional: one is made). */
export type MessageInput = Omit<z.input<(typeof RoomClientFrames)["chat_message"]>, "type">;

/** The server's last frame before it closes a socket, naming why (both sockets). */
export type ClosingFrame = z.infer<typeof ClosingFrameSchema>;

/**
 * One listener type per frame type: `on("chat_message", (f) => f.message)`. A `closing` frame is
 * no event of its own: it is the `closed` event (or, after session_ended, a reconnect).
 */
export type FrameEvents<F extends { type: string }> = { [K in Exclude<F["type"], "closing">]: (frame: Extract<F, { type: K }>) => void };

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** Why the connection stopped for good. */
export type CloseInfo = {
  code: number;
  reason: string;
  /** "removed" (4003), "gone" (4004 or a 404 on reconnect), "unauthorized" (no token to be had), "closed" (you called close()). */
  cause: "removed" | "gone" | "unauthorized" | "closed";
  /**
   * Why, as the server's closing frame named it (removed, left, banned, account_deleted,
   * room_deleted, session_ended); absent when only a close code came, or you called close().
   */
  kind?: ClosingFrame["kind"];
};

export type Warning = {
  kind: "unknown_frame" | "invalid_frame" | "bad_json" | "gap_fill_failed" | "listener_error";
  detail: string;
  data?: unknown;
};
