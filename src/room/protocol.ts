// The room's wire protocol (DESIGN.md section 5) and message shapes. Client frames are untrusted
// input: parsed with zod as a discriminated union and handled by an exhaustive switch.
import { z } from "zod";

/** Characters of message text, for every door (the reference documents allow up to 5000). */
export const MAX_CONTENT = 5000;
export const MAX_FRAME_BYTES = 64 * 1024;
export const MESSAGE_TYPES = ["text", "image", "file", "voice", "video", "location"] as const;

/** A shared place: WGS 84 coordinates, optionally named (what a map app's share sheet gives). */
export const LocationInput = z
  .object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    name: z.string().trim().min(1).max(200).nullish(),
    address: z.string().trim().min(1).max(500).nullish(),
  })
  .strict();
export type Location = { latitude: number; longitude: number; name: string | null; address: string | null };

/** An idempotency key a client chooses (messages, events): a retry with it is recognized. */
export const ClientId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits and _ . : - only");

/** Fields of a new message, shared by REST bodies and WebSocket frames. */
export const messageInput = {
  content_text: z.string().max(MAX_CONTENT, `at most ${MAX_CONTENT} characters`).nullish(),
  message_type: z.enum(MESSAGE_TYPES).default("text"),
  reply_to_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullish(),
  client_id: ClientId.nullish(),
  media_url: z.string().max(2048).nullish(),
  file_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullish(),
  location: LocationInput.nullish(),
};

/** `content` and `reply_to` are accepted as aliases of `content_text` and `reply_to_id`. */
export function withAliases(raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const o = { ...(raw as Record<string, unknown>) };
  if (o.content_text === undefined && o.content !== undefined) o.content_text = o.content;
  if (o.reply_to_id === undefined && o.reply_to !== undefined) o.reply_to_id = o.reply_to;
  delete o.content;
  delete o.reply_to;
  return o;
}

/**
 * A reaction: one emoji (a sequence such as 👍🏽 or 🇯🇵 counts as one) or a `:shortcode:` for
 * custom ones. Bounded, so a reaction is never a second message.
 */
const EMOJI = /^(?=.*[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3])[\p{Extended_Pictographic}\p{Emoji_Component}\u200d\ufe0f\u20e3]{1,32}$/u;
const SHORTCODE = /^:[a-z0-9_+-]{1,32}:$/;
const graphemes = new Intl.Segmenter();
const oneEmoji = (e: string) => EMOJI.test(e) && [...graphemes.segment(e)].length === 1;
export const Emoji = z
  .string()
  .refine((e) => SHORTCODE.test(e) || oneEmoji(e), "one emoji, or a :shortcode: of a-z 0-9 _ + -");
/** Different emoji one message can hold, and one user can put on one message. */
export const MAX_EMOJI_PER_MESSAGE = 50;
export const MAX_EMOJI_PER_USER = 10;

export const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chat_message"), ...messageInput }),
  z.object({ type: z.literal("typing"), is_typing: z.boolean() }),
  z.object({ type: z.literal("ping") }),
  z.object({ type: z.literal("read"), message_id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }),
  z.object({
    type: z.literal("reaction"),
    message_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    emoji: Emoji,
    action: z.enum(["add", "remove"]),
  }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export type NewMessage = {
  content_text?: string | null;
  // "system" only from the worker (admin broadcasts); clients' frames and bodies cannot say it.
  message_type: (typeof MESSAGE_TYPES)[number] | "system";
  reply_to_id?: number | null;
  client_id?: string | null;
  attachment?: Attachment | null;
  location?: z.infer<typeof LocationInput> | null;
};

/** Media resolved and authorized by the worker (or the room, for socket sends) before storing. */
export type Attachment = {
  file_id: number;
  file_name: string;
  file_size: number;
  content_type: string;
  width: number | null;
  height: number | null;
};

export type Actor = { id: number; username: string; display_name: string | null };

/** One emoji's tally on a message, first-reacted first. `me` only on reads made for one user. */
export type ReactionCount = { emoji: string; count: number; me?: boolean };
/** What a reply shows of the message it answers (null when that one was pruned). */
export type ReplyPreview = { id: number; sender_id: number; sender_name: string; preview: string | null; deleted: boolean };

export type ChatMessage = {
  id: number;
  room_id: number;
  sender_id: number;
  sender_name: string;
  content_text: string | null;
  message_type: "text" | "image" | "file" | "voice" | "video" | "location" | "system";
  media_url: string | null;
  file_id: number | null;
  file_name: string | null;
  file_size: number | null;
  content_type: string | null;
  width: number | null;
  height: number | null;
  media_removed: boolean;
  location: Location | null;
  reply_to_id: number | null;
  reply_to: ReplyPreview | null;
  /** Replies to this message that are not deleted. */
  reply_count: number;
  reactions: ReactionCount[];
  client_id: string | null;
  sent_at: string;
  edited_at: string | null;
  deleted: boolean;
};

type UserRef = { id: number; username: string };

export type ServerFrame =
  | { type: "connection_established"; message: "connected"; room_id: number; user: UserRef; last_message_id: number; oldest_message_id: number; online: UserRef[] }
  | { type: "chat_message"; message: ChatMessage }
  | { type: "message_updated"; message: ChatMessage }
  | { type: "message_deleted"; message: ChatMessage }
  | { type: "typing"; user: UserRef; is_typing: boolean; expires_in_ms?: number }
  | { type: "user_join"; user: UserRef }
  | { type: "user_leave"; user: UserRef }
  | { type: "read"; user: UserRef; message_id: number }
  | { type: "reaction"; message_id: number; emoji: string; user: UserRef; action: "add" | "remove"; reactions: ReactionCount[] }
  // kind "pruned": those ids are gone for good; "truncated": too many to replay, fetch them over REST.
  | { type: "gap"; from_id: number; to_id: number; kind: "pruned" | "truncated"; reason: string }
  | { type: "replay_done"; last_message_id: number }
  | { type: "pong" }
  | { type: "error"; message: string; code: string; retry_after?: number };

/** Sent only to sockets that opted in with ?batch=1: several frames, to be read in order. */
export type BatchFrame = { type: "batch"; frames: ServerFrame[] };

/** A failed command, returned (not thrown) across RPC so status and code survive the boundary. */
export type Refusal = { ok: false; status: 400 | 403 | 404 | 409 | 429; code: string; detail: string; retry_after?: number };
export const refuse = (status: Refusal["status"], code: string, detail: string, retry_after?: number): Refusal => ({
  ok: false,
  status,
  code,
  detail,
  ...(retry_after !== undefined && { retry_after }),
});
