// The room's wire protocol (docs/realtime.md) and message shapes. Client frames are untrusted
// input: parsed with zod as a discriminated union and handled by an exhaustive switch.
import { z } from "zod";
import type { Code, StatusOf } from "../http/codes";

/** Characters of message text, for every door (the reference documents allow up to 5000). */
export const MAX_CONTENT = 5000;
export const MAX_FRAME_BYTES = 64 * 1024;
/**
 * Search words are bound as SQL parameters (two for each short word), and SQLite binds at most
 * 100: 20 distinct words keep every search well inside that, whatever the words.
 */
export const MAX_SEARCH_WORDS = 20;
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
  thread_id: z
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .nullish()
    .describe("Reply in the thread of this root message (a message of this room that is not itself in a thread); see docs/threads.md"),
  also_to_room: z.boolean().optional().describe("A thread reply that also appears in the room's main timeline (Slack's reply_broadcast)"),
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

/** What a client may send on a room socket, one schema per frame type (parsed as untrusted input). */
export const RoomClientFrames = {
  chat_message: z
    .object({ type: z.literal("chat_message"), ...messageInput })
    .describe("Send a message (text or location; media goes over REST). content and reply_to are accepted for content_text and reply_to_id. client_id makes it idempotent. thread_id replies in that root's thread (also_to_room: in the main timeline too); every room socket gets thread replies as chat_message frames carrying their thread_id"),
  typing: z.object({ type: z.literal("typing"), is_typing: z.boolean() }).describe("Typing started or stopped"),
  ping: z.object({ type: z.literal("ping") }).describe("Answered with pong (by the runtime, without waking the room)"),
  read: z
    .object({ type: z.literal("read"), message_id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() })
    .describe("Move your read position forward (without message_id: to the last message)"),
  reaction: z
    .object({
      type: z.literal("reaction"),
      message_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
      emoji: Emoji,
      action: z.enum(["add", "remove"]),
    })
    .describe("React to a message, or take it back"),
} as const;

export const ClientFrame = z.discriminatedUnion("type", [
  RoomClientFrames.chat_message,
  RoomClientFrames.typing,
  RoomClientFrames.ping,
  RoomClientFrames.read,
  RoomClientFrames.reaction,
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
  thread_id?: number | null;
  also_to_room?: boolean;
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

const int = () => z.number().int();
const Id = () => z.number().int().min(0);

/** One emoji's tally on a message, first-reacted first. `me` only on reads made for one user. */
export const ReactionCount = z.object({ emoji: z.string(), count: int(), me: z.boolean().optional() });
export type ReactionCount = z.infer<typeof ReactionCount>;
/** What a reply shows of the message it answers (null when that one was pruned). */
export const ReplyPreview = z.object({ id: Id(), sender_id: int(), sender_name: z.string(), preview: z.string().nullable(), deleted: z.boolean(), sent_at: z.string() });
export type ReplyPreview = z.infer<typeof ReplyPreview>;
/** Participants a thread summary names (the first ones to reply). */
export const THREAD_PARTICIPANTS = 5;
/** What a thread's root shows of its thread. */
export const ThreadSummary = z.object({
  reply_count: int().describe("Replies in the thread that are not deleted"),
  last_reply_at: z.string(),
  participant_ids: z.array(int()).describe(`The first ${THREAD_PARTICIPANTS} repliers, in the order they first replied`),
});
export type ThreadSummary = z.infer<typeof ThreadSummary>;

/** A message as REST and the sockets show it (the REST schema is this one, named ChatMessageResponse). */
export const ChatMessage = z.object({
  id: Id(),
  room_id: int(),
  sender_id: int(),
  sender_name: z.string(),
  content_text: z.string().nullable(),
  message_type: z.enum([...MESSAGE_TYPES, "system"]),
  media_url: z.string().nullable(),
  file_id: int().nullable(),
  file_name: z.string().nullable(),
  file_size: int().nullable(),
  content_type: z.string().nullable(),
  width: int().nullable(),
  height: int().nullable(),
  media_removed: z.boolean(),
  location: z
    .object({ latitude: z.number(), longitude: z.number(), name: z.string().nullable(), address: z.string().nullable() })
    .nullable()
    .describe("Location messages only"),
  reply_to_id: int().nullable(),
  reply_to: ReplyPreview.nullable().describe("What the message answers, for showing it above the reply (null when not a reply, or when that message was pruned)"),
  reply_count: int().describe("Replies to this message that are not deleted"),
  thread_id: int().nullable().describe("The thread's root, for a reply in a thread (docs/threads.md)"),
  also_to_room: z.boolean().describe("A thread reply also shown in the room's main timeline"),
  thread: ThreadSummary.nullable().describe("On a thread's root: its summary (null: no thread)"),
  reactions: z
    .array(ReactionCount)
    .describe("Tallies, first-reacted emoji first. `me` (whether you reacted) on reads made for you: history, one message, search, socket replay"),
  client_id: z.string().nullable(),
  sent_at: z.string(),
  edited_at: z.string().nullable(),
  deleted: z.boolean(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const UserRef = z.object({ id: int(), username: z.string() });
type UserRef = z.infer<typeof UserRef>;

/** Pinned messages a room holds at most. */
export const MAX_PINS = 50;
/** A pinned message, with who pinned it and when (the REST schema is this one, named Pin). */
export const Pin = z.object({ message: ChatMessage, pinned_by: UserRef, pinned_at: z.string() });
export type Pin = z.infer<typeof Pin>;
/** One version of a message's text: 1 is the text as sent, the highest the text it has now. */
export const MessageVersion = z.object({
  version: int().min(1),
  content_text: z.string().nullable(),
  at: z.string().describe("When this text was written: the message's sent_at for version 1, else the edit's time"),
  current: z.boolean().describe("The text the message has now (the last version)"),
});
export type MessageVersion = z.infer<typeof MessageVersion>;

/**
 * Why the server is about to close a socket for good (or, for session_ended, until a fresh token),
 * with the close code that follows and a sentence for people. One table, so the room, the hub, the
 * protocol union and the client agree on every kind.
 */
export const CLOSING_KINDS = {
  removed: { code: 4003, reason: "removed from the room" },
  left: { code: 4003, reason: "you left the room" },
  banned: { code: 4003, reason: "banned from the room" },
  account_deleted: { code: 4003, reason: "account deleted" },
  room_deleted: { code: 4004, reason: "room deleted" },
  session_ended: { code: 4001, reason: "signed out" },
} as const;
export type ClosingKind = keyof typeof CLOSING_KINDS;
export const ClosingKind = z.enum(Object.keys(CLOSING_KINDS) as [ClosingKind, ...ClosingKind[]]);

/**
 * The last frame before a server-side close a user should hear of: sent, then the socket closes
 * with `code`. A client acts on it at once; the close event may come much later (locally ~10 s).
 */
export const ClosingFrame = z
  .object({
    type: z.literal("closing"),
    kind: ClosingKind.describe("Why, for programs: removed, left, banned, account_deleted (close 4003), room_deleted (4004), session_ended (4001)"),
    code: z.union([z.literal(4001), z.literal(4003), z.literal(4004)]).describe("The close code that follows"),
    reason: z.string().describe("Why, for people (the close's reason)"),
  })
  .describe("The server closes this socket now, for the reason named; treat it as the close itself (no reconnect, except after session_ended with a fresh token)");
export type ClosingFrame = z.infer<typeof ClosingFrame>;

/** The closing frame of a kind, with its close code; `reason` overrides the kind's sentence. */
export const closingFrame = (kind: ClosingKind, reason: string = CLOSING_KINDS[kind].reason): ClosingFrame => ({
  type: "closing",
  kind,
  code: CLOSING_KINDS[kind].code,
  reason,
});

/**
 * What the room sends, one schema per frame type. The room builds frames typed by these, the
 * AsyncAPI document (src/realtime/asyncapi.ts) is generated from them, and the client
 * (client/src) validates what it receives with them.
 */
export const RoomServerFrames = {
  connection_established: z
    .object({
      type: z.literal("connection_established"),
      message: z.literal("connected"),
      room_id: int(),
      user: UserRef,
      last_message_id: Id().describe("The room's newest message id when the socket opened (0: none yet)"),
      oldest_message_id: Id().describe("The oldest id the room still holds"),
      online: z.array(UserRef),
    })
    .describe("Always the first frame"),
  chat_message: z.object({ type: z.literal("chat_message"), message: ChatMessage }).describe("A message was stored; to every socket, the sender's included (match its client_id)"),
  message_updated: z.object({ type: z.literal("message_updated"), message: ChatMessage }).describe("A message was edited, or its file was deleted"),
  message_deleted: z.object({ type: z.literal("message_deleted"), message: ChatMessage }).describe("A message was deleted (content cleared; the id stays)"),
  typing: z
    .object({ type: z.literal("typing"), user: UserRef, is_typing: z.boolean(), expires_in_ms: int().optional() })
    .describe("Someone else started or stopped typing; it expires on its own"),
  user_join: z.object({ type: z.literal("user_join"), user: UserRef }).describe("A user's first socket opened"),
  user_leave: z.object({ type: z.literal("user_leave"), user: UserRef }).describe("A user's last socket closed"),
  presence: z
    .object({
      type: z.literal("presence"),
      online: int().describe("Users online in the room"),
      typing: z.array(UserRef).describe("Up to 3 of the users typing"),
      typing_count: int().describe("How many are typing"),
    })
    .describe("Giant rooms only (past RELAY_SOCKETS online), instead of user_join/user_leave: who is online, at most once a second when it changed"),
  read: z.object({ type: z.literal("read"), user: UserRef, message_id: Id() }).describe("Someone's read position moved"),
  message_pinned: z.object({ type: z.literal("message_pinned"), pin: Pin }).describe("A message was pinned (newest pin first in GET /pins)"),
  message_unpinned: z
    .object({ type: z.literal("message_unpinned"), message_id: Id(), user: UserRef })
    .describe("A message left the pin list: unpinned, or deleted (`user`: who did it)"),
  reaction: z
    .object({ type: z.literal("reaction"), message_id: Id(), emoji: z.string(), user: UserRef, action: z.enum(["add", "remove"]), reactions: z.array(ReactionCount) })
    .describe("A reaction was added or taken back, with the message's new tallies"),
  gap: z
    .object({ type: z.literal("gap"), from_id: Id(), to_id: Id(), kind: z.enum(["pruned", "truncated"]), reason: z.string() })
    .describe('On resume: "pruned" ids are gone for good; "truncated" ones were too many to replay, fetch them over REST'),
  replay_done: z.object({ type: z.literal("replay_done"), last_message_id: Id() }).describe("The ?since= replay is complete; what follows is live"),
  pong: z.object({ type: z.literal("pong") }).describe("The answer to ping"),
  error: z
    .object({ type: z.literal("error"), message: z.string(), code: z.string(), retry_after: z.number().optional() })
    .describe("A frame was refused; the socket stays open"),
  closing: ClosingFrame,
} as const;

export const ServerFrame = z.discriminatedUnion("type", [
  RoomServerFrames.connection_established,
  RoomServerFrames.chat_message,
  RoomServerFrames.message_updated,
  RoomServerFrames.message_deleted,
  RoomServerFrames.typing,
  RoomServerFrames.user_join,
  RoomServerFrames.user_leave,
  RoomServerFrames.presence,
  RoomServerFrames.read,
  RoomServerFrames.reaction,
  RoomServerFrames.message_pinned,
  RoomServerFrames.message_unpinned,
  RoomServerFrames.gap,
  RoomServerFrames.replay_done,
  RoomServerFrames.pong,
  RoomServerFrames.error,
  RoomServerFrames.closing,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** Sent only to sockets that opted in with ?batch=1: several frames, to be read in order. */
export const BatchFrame = z
  .object({ type: z.literal("batch"), frames: z.array(ServerFrame) })
  .describe("Only with ?batch=1: several frames in one, to be read in order exactly as if each had come on its own");
export type BatchFrame = z.infer<typeof BatchFrame>;

/** A failed command, returned (not thrown) across RPC so status and code survive the boundary. */
export type Refusal = { ok: false; status: 400 | 403 | 404 | 409 | 429; code: Code; detail: string; retry_after?: number };
/** A refusal with a code of the catalog (http/codes.ts), at one of the statuses it lists. */
export const refuse = <C extends Code>(status: StatusOf<C> & Refusal["status"], code: C, detail: string, retry_after?: number): Refusal => ({
  ok: false,
  status,
  code,
  detail,
  ...(retry_after !== undefined && { retry_after }),
});
