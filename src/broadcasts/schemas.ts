// Broadcast shapes: the announcement asked for and the broadcast with its delivery progress.
import { z } from "@hono/zod-openapi";
import { MAX_CONTENT, messageInput } from "../room/protocol";

export const Broadcast = z
  .object({
    id: z.number().int(),
    content: z.string(),
    sender: z.object({ id: z.number().int().nullable(), username: z.string() }),
    target: z.enum(["rooms", "all_rooms"]),
    room_ids: z.array(z.number().int()).nullable().openapi({ description: "The rooms asked for; null for all group rooms" }),
    status: z.enum(["sending", "done"]),
    rooms_total: z.number().int().openapi({ description: "Target rooms when it was sent" }),
    rooms_delivered: z.number().int().openapi({ description: "Rooms whose log holds the message (rooms deleted meanwhile are not counted)" }),
    client_id: z.string().nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("Broadcast");

export const NewBroadcast = z
  .object({
    content: z.string().trim().min(1).max(MAX_CONTENT),
    room_ids: z
      .array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER))
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, "room ids must not repeat")
      .optional(),
    all_rooms: z.literal(true).optional(),
    client_id: messageInput.client_id,
  })
  .strict()
  .refine((b) => !!b.room_ids !== !!b.all_rooms, { message: "give room_ids or all_rooms: true, not both", path: ["room_ids"] })
  .openapi("NewBroadcast");
export type NewBroadcast = z.infer<typeof NewBroadcast>;
