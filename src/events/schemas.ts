// Event shapes: the report, the stored event, the history query.
import { z } from "@hono/zod-openapi";
import { intQuery } from "../http/schemas";
import { instant } from "../messages/common";
import { ClientId } from "../room/protocol";

/** A payload is a note, not a file: at most this many characters of JSON. */
export const MAX_PAYLOAD = 8_000;
export const EventCreate = z
  .object({
    type: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, "1-64 of a-z 0-9 _ . - (e.g. check_in, alarm.smoke)")
      .openapi({ example: "check_in" }),
    payload: z.record(z.string(), z.unknown()).optional().openapi({ description: `Any JSON object, at most ${MAX_PAYLOAD} characters` }),
    room_id: z.number().int().positive().optional().openapi({ description: "The room it is about (you must be an active member)" }),
    client_id: ClientId.optional().openapi({ description: "Idempotency key: a retry returns the first report (200 instead of 201)" }),
  })
  .strict()
  .openapi("EventCreate");

export const EventResponse = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    type: z.string(),
    payload: z.record(z.string(), z.unknown()).nullable(),
    room_id: z.number().int().nullable(),
    client_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Event");

export const EventQuery = z
  .object({
    type: EventCreate.shape.type.optional(),
    user_id: intQuery(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "System admins: someone else's events" }),
    all_users: z.enum(["true"]).optional().openapi({ description: "System admins: everyone's events" }),
    since: instant.optional(),
    until: instant.optional(),
    before: intQuery(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "The next page: the last id you got" }),
    limit: intQuery(1, 100).default(50),
  })
  .refine((q) => !q.since || !q.until || q.since < q.until, { message: "since must be before until", path: ["until"] });
