// Document 001's socket frames (/ws/chat/{room_id}/): how the room object renders a canonical
// server frame for a 001 socket, and how it reads a 001 client frame as a canonical one. Pure
// functions, registered with the room's shape registry (src/room/shapes.ts) when this module
// loads (src/index.ts imports it), and called once per frame, never once per socket.
import type { Code } from "../../http/codes";
import type { ServerFrame } from "../../room/protocol";
import { registerShape } from "../../room/shapes";
import { parseGlobalMessageId, toGlobalMessageId } from "../../messages/global-id";
import { socketMessage001 } from "./shapes";

/** A canonical frame as 001 shows it, or null when 001 has no use for it. */
export function render001(frame: ServerFrame, roomId: number): object | null {
  switch (frame.type) {
    case "connection_established":
      return {
        type: "connection_established",
        message: "连接成功",
        room_id: frame.room_id,
        user: frame.user,
        online: frame.online,
        last_message_id: frame.last_message_id ? toGlobalMessageId(frame.room_id, frame.last_message_id) : 0,
      };
    case "chat_message":
    case "message_updated":
    case "message_deleted":
      return { type: frame.type, message: socketMessage001(frame.message) };
    case "typing":
      return { type: "typing", user: frame.user, is_typing: frame.is_typing };
    case "user_join":
    case "user_leave":
      return { type: frame.type, user: frame.user };
    case "error":
      return { type: "error", message: frame.message, code: frame.code, ...(frame.retry_after && { retry_after: frame.retry_after }) };
    // 001's one frame for trouble is {"type":"error","message"}: the closing frame is that, with
    // the kind as its code, so a 001 client shows it as it shows any error before the close.
    case "closing":
      return { type: "error", message: frame.reason, code: frame.kind };
    case "pong":
      return frame;
    case "replay_done":
      return { type: "replay_done", last_message_id: frame.last_message_id ? toGlobalMessageId(roomId, frame.last_message_id) : 0 };
    // Reactions, read positions and gaps are not part of 001.
    default:
      return null;
  }
}

/** A 001 client frame as the canonical one, nothing (accepted, no effect), or an error message. */
export function read001(raw: unknown, roomId: number): { frame: unknown } | { ignore: true } | { error: string; code: Code } {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return { error: "Frame must be a JSON object with a type", code: "invalid_frame" };
  const f = raw as Record<string, unknown>;
  switch (f.type) {
    case "chat_message": {
      const type = f.message_type ?? "text";
      if (type === "image" || type === "file" || type === "system")
        return { error: "Send files with POST /api/chat/rooms/{id}/messages/ (file_url); the socket takes text", code: "use_rest" };
      let reply: number | null = null;
      if (f.reply_to !== undefined && f.reply_to !== null) {
        const ref = typeof f.reply_to === "number" || typeof f.reply_to === "string" ? parseGlobalMessageId(f.reply_to) : null;
        if (!ref || ref.roomId !== roomId) return { error: "reply_to is not a message of this room", code: "invalid_reply_to" };
        reply = ref.messageId;
      }
      return { frame: { type: "chat_message", content_text: f.content, message_type: type, reply_to_id: reply, ...(f.client_id !== undefined && { client_id: f.client_id }) } };
    }
    case "typing":
    case "ping":
      return { frame: f };
    // Presence is announced when a user's first socket opens and their last one closes.
    case "user_join":
    case "user_leave":
      return { ignore: true };
    default:
      return { error: `Unknown frame type: ${JSON.stringify(f.type ?? null)}`, code: "invalid_frame" };
  }
}

declare module "../../room/shapes" {
  interface WireShapes {
    "001": true;
  }
}

registerShape("001", { render: render001, read: read001 });
