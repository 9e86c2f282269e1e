// Shapes of the files API.
import { z } from "@hono/zod-openapi";
import { id } from "../http/schemas";

export const FileIdParam = z.object({ file_id: id("file_id") });

export const FileResponse = z
  .object({
    id: z.number().int(),
    name: z.string(),
    size: z.number().int(),
    content_type: z.string().openapi({ description: "Sniffed from the bytes, not taken from the client" }),
    kind: z.enum(["image", "voice", "video", "file"]).openapi({ description: "The message_type this file fits" }),
    url: z.string().openapi({
      description: "Signed download path, usable without Authorization (e.g. <img src>) until it expires; fresh on every response",
      example: "/api/v1/files/1?exp=1767225600&sig=3f2a...",
    }),
    room_id: z.number().int().nullable(),
    uploader_id: z.number().int().nullable(),
    created_at: z.string(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
  })
  .openapi("FileResponse");

/** Documented only: the body is parsed as a stream by the handler, never by a validator (which would buffer it). */
export const UploadBody = {
  type: "object" as const,
  required: ["file"],
  properties: {
    file: { type: "string" as const, format: "binary", description: "The file; its type is sniffed from its bytes" },
    room_id: { type: "integer" as const, description: "Attach to this room now (you must be an active member)" },
  },
};

export const SignedQuery = z.object({
  exp: z.string().optional().openapi({ description: "Signed URL expiry (unix seconds)" }),
  sig: z.string().optional().openapi({ description: "Signed URL signature" }),
});
