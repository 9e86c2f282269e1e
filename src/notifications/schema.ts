// A notification as the API shows it: plain zod with no server imports, because the user socket's
// frames (realtime/protocol.ts), and through them the client package, are built from it.
import { z } from "zod";

export const NOTIFICATION_TYPES = ["mention", "room_invite", "system", "thread_reply"] as const;

export const Notification = z
  .object({
    id: z.number().int(),
    notification_type: z.enum(NOTIFICATION_TYPES),
    title: z.string(),
    content: z.string().nullable(),
    room: z.object({ id: z.number().int(), name: z.string(), kind: z.enum(["group", "direct"]) }).nullable(),
    message_id: z.number().int().nullable().describe("For mentions: the message, in that room"),
    actor: z.object({ id: z.number().int(), username: z.string() }).nullable(),
    is_read: z.boolean(),
    created_at: z.string(),
  });
export type Notification = z.infer<typeof Notification>;
