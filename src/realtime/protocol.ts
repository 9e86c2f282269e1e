// The user socket's wire protocol (/realtime/ws), one zod schema per frame: the hub builds frames
// typed by them, the AsyncAPI document is generated from them, the client validates with them.
// Plain zod and nothing from the server, so the client package can import it.
import { z } from "zod";
import { Notification } from "../notifications/schema";
import { ChatMessage, ClosingFrame, type ClosingKind } from "../room/protocol";

const Id = () => z.number().int().min(0);

export const UserServerFrames = {
  connection_established: z
    .object({
      type: z.literal("connection_established"),
      user: z.object({ id: z.number().int(), username: z.string() }),
      last_notification_id: Id().describe("Your newest notification id when the socket opened (0: none)"),
    })
    .describe("Always the first frame"),
  notification: z.object({ type: z.literal("notification"), notification: Notification }).describe("A notification exists; in id order, once per tab"),
  message: z
    .object({
      type: z.literal("message"),
      conversation_id: Id().describe("The room (conversation) the message was posted in"),
      message_id: Id().describe("Its global id (room × 10^9 + its id in the room)"),
      message: ChatMessage,
    })
    .describe("A new message in one of your conversations; live only, never replayed (the room's history has it)"),
  gap: z
    .object({ type: z.literal("gap"), from_id: Id(), to_id: Id(), kind: z.literal("truncated"), reason: z.string() })
    .describe("On resume: too many to replay; fetch these with GET /notifications?before="),
  replay_done: z.object({ type: z.literal("replay_done"), last_notification_id: Id() }).describe("The ?since= replay is complete; what follows is live"),
  pong: z.object({ type: z.literal("pong") }).describe("The answer to ping"),
  error: z.object({ type: z.literal("error"), code: z.string(), message: z.string() }).describe("A frame was refused; the socket stays open"),
  closing: ClosingFrame.describe("The hub closes this socket now: session_ended (then 4001) or account_deleted (then 4003)"),
} as const;

export const UserServerFrame = z.discriminatedUnion("type", [
  UserServerFrames.connection_established,
  UserServerFrames.notification,
  UserServerFrames.message,
  UserServerFrames.gap,
  UserServerFrames.replay_done,
  UserServerFrames.pong,
  UserServerFrames.error,
  UserServerFrames.closing,
]);
export type UserServerFrame = z.infer<typeof UserServerFrame>;

/** What the hub closes a socket for (and what a kick of every socket of a user says): the session or token ended, or the account went. */
export type HubClosing = Extract<ClosingKind, "session_ended" | "account_deleted">;

/** What a client may send: only pings (this socket carries nothing upstream). */
export const UserClientFrames = {
  ping: z.object({ type: z.literal("ping") }).describe("Answered with pong (by the runtime, without waking the hub)"),
} as const;
export const UserClientFrame = z.discriminatedUnion("type", [UserClientFrames.ping]);
