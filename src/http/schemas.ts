// Schemas shared by several resources: path ids, paging, the error body.
import { z } from "@hono/zod-openapi";

/** A positive integer id in a path; "abc", "0", "-1" and "1.5" are 400 invalid_request. */
export const id = (name: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "must be a positive integer")
    .transform(Number)
    .openapi({ param: { name, in: "path" }, type: "integer", example: 1 });

export const RoomIdParam = z.object({ room_id: id("room_id") });
export const UserIdParam = z.object({ user_id: id("user_id") });

/**
 * A whole number in a query string, digits only: "", "-1", "1.5", "0x10" and "1e3" are
 * 400 invalid_request rather than whatever Number() would make of them.
 */
export const intQuery = (min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,16}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: "integer", minimum: min, maximum: max });

/** Ids in a query string, comma separated ("12,15,40"): 1 to `max` positive integers, duplicates dropped. */
export const idList = (max: number, what: string) =>
  z
    .string()
    .transform((raw, ctx) => {
      const parts = raw.split(",").map((s) => s.trim());
      const ids = parts.map(Number);
      if (!parts.length || parts.length > max || parts.some((p) => !/^[1-9][0-9]{0,15}$/.test(p)) || ids.some((n) => !Number.isSafeInteger(n))) {
        ctx.addIssue({ code: "custom", message: `1 to ${max} ${what}, comma separated` });
        return z.NEVER;
      }
      return [...new Set(ids)];
    })
    .openapi({ example: "12,15,40" });

export const PageQuery = z.object({
  limit: intQuery(1, 100).default(50).openapi({ description: "Page size (1-100, default 50)" }),
  offset: intQuery(0, 1_000_000).default(0).openapi({ description: "Rows to skip" }),
});

/** "true"/"false"/"1"/"0" query flags (z.coerce.boolean would read "false" as true). */
export const boolQuery = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1");

/**
 * An outside URL a user sets (avatar_url and any later one): https only, so no javascript:, data:
 * or plain-http link ever reaches a client that renders it.
 */
export const httpsUrl = z.url({ protocol: /^https$/, error: "must be an https: URL" }).max(2048);

export const ErrorBody = z
  .object({
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Error");

const err = (description: string) => ({ content: { "application/json": { schema: ErrorBody } }, description });
export const errors = {
  400: err("Invalid request"),
  401: err("Missing or invalid token"),
  403: err("Not allowed"),
  404: err("Not found"),
  409: err("Conflict"),
  429: err("Rate limited"),
} as const;
export const pick = <K extends keyof typeof errors>(...codes: K[]) =>
  Object.fromEntries(codes.map((k) => [k, errors[k]])) as Pick<typeof errors, K>;

export const json = <T extends z.ZodType>(schema: T, description = "OK") => ({
  content: { "application/json": { schema } },
  description,
});
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});
export const noContent = { 204: { description: "No content" } } as const;

/** The responses of a WebSocket route besides its refusals: 101, or 426 for a plain request. */
export const upgraded = () => ({ 101: { description: "Switching protocols" }, 426: json(ErrorBody, "Not a WebSocket upgrade") });
