// Files API: streamed upload, download (Bearer token or signed URL), info, list, delete.
import { createRoute, z } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { requireUser } from "../auth/middleware";
import { getDb } from "../db/client";
import { files } from "../db/schema";
import { router, type AppEnv } from "../http/app-env";
import { conflict, forbidden, notFound } from "../http/errors";
import { errors, json, noContent, PageQuery, pick } from "../http/schemas";
import { serveFile } from "./download";
import { deleteFile, findVisibleFile, toFileResponse } from "./files";
import { FileIdParam, FileResponse, SignedQuery, UploadBody } from "./schemas";
import { checkSignature } from "../http/media-url";
import { receiveUpload } from "./upload";

/** Uploads stream past the global JSON body limit; they enforce MAX_UPLOAD_BYTES themselves. */
// files/upload: document 003's name for POST /files.
const UPLOAD_PATH = /^\/api\/v1\/(?:files|files\/upload|chat-rooms\/[^/]+\/upload)\/?$/;
/** Avatars (src/avatars) stream through the same pipeline. */
const AVATAR_PATH = /^\/api\/v1\/(?:users\/me|chat-rooms\/[^/]+)\/avatar\/?$/;
export const isUploadRequest = (c: Context) =>
  (c.req.method === "POST" && UPLOAD_PATH.test(c.req.path)) || (c.req.method === "PUT" && AVATAR_PATH.test(c.req.path));

const isSigned = (c: Context) => c.req.query("sig") !== undefined || c.req.query("exp") !== undefined;

/** A Bearer token, or a valid signed URL for this very file (then no user is set). */
const userOrSignature = createMiddleware<AppEnv>(async (c, next) => {
  if (!isSigned(c)) return requireUser(c, next);
  const fileId = Number(c.req.param("file_id"));
  const check = checkSignature(c.env, fileId, c.req.query("exp"), c.req.query("sig"));
  if (check === "expired") throw forbidden("This link has expired; fetch the file again for a fresh one", "signature_expired");
  if (check !== "valid") throw forbidden("Invalid file signature", "invalid_signature");
  await next();
});

// Either the Bearer scheme or none (a signed URL authorizes itself).
const anonymousToo: Record<string, string[]>[] = [{ Bearer: [] }, {}];
const bytes = { content: { "application/octet-stream": { schema: { type: "string" as const, format: "binary" } } } };

export const fileRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["files"],
      summary: "Upload a file (multipart `file`, optional `room_id`); streamed to storage, type sniffed from its bytes",
      middleware: [requireUser] as const,
      request: { body: { content: { "multipart/form-data": { schema: UploadBody } }, required: true } },
      responses: {
        201: json(FileResponse, "Stored"),
        ...pick(400, 401, 403, 404),
        411: { ...errors[400], description: "Content-Length missing" },
        413: { ...errors[400], description: "Larger than MAX_UPLOAD_BYTES (payload_too_large), or over USER_STORAGE_QUOTA_BYTES (quota_exceeded)" },
        415: { ...errors[400], description: "Not an allowed file type" },
      },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { file } = await receiveUpload(c.env, db, c.req.raw, c.var.user);
      return c.json(toFileResponse(c.env, file), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["files"],
      summary: "Your uploads, newest first",
      middleware: [requireUser] as const,
      request: { query: PageQuery },
      responses: { 200: json(z.array(FileResponse)), ...pick(400, 401) },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid("query");
      const rows = await getDb(c.env.DB)
        .select()
        .from(files)
        .where(eq(files.uploaderId, c.var.user.id))
        .orderBy(desc(files.id))
        .limit(limit)
        .offset(offset)
        .all();
      return c.json(
        rows.map((f) => toFileResponse(c.env, f)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{file_id}",
      tags: ["files"],
      summary: "Download (Range and conditional requests supported). Bearer token, or the signed `url` of a FileResponse",
      description:
        "Visible to the uploader, owner and active members of the file's room, and system admins; 404 for everyone else. " +
        "Images and audio are served inline, other types as attachments.",
      middleware: [userOrSignature] as const,
      request: { params: FileIdParam, query: SignedQuery },
      security: anonymousToo,

      responses: {
        200: { ...bytes, description: "The file" },
        206: { ...bytes, description: "The requested byte range" },
        304: { description: "Not modified" },
        ...pick(400, 401, 403, 404),
        416: { ...errors[400], description: "Range not satisfiable" },
      },
    }),
    async (c) => {
      const id = c.req.valid("param").file_id;
      const db = getDb(c.env.DB);
      const signed = isSigned(c);
      const file = signed ? ((await db.select().from(files).where(eq(files.id, id)).get()) ?? null) : await findVisibleFile(db, id, c.var.user);
      if (!file) throw notFound("File");
      const maxAge = signed ? Number(c.req.query("exp")) - Date.now() / 1000 : 300;
      return serveFile(c.env, c.req.raw, file, maxAge);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{file_id}/info",
      tags: ["files"],
      summary: "A file's metadata with a fresh signed URL",
      middleware: [requireUser] as const,
      request: { params: FileIdParam },
      responses: { 200: json(FileResponse), ...pick(400, 401, 404) },
    }),
    async (c) => {
      const file = await findVisibleFile(getDb(c.env.DB), c.req.valid("param").file_id, c.var.user);
      if (!file) throw notFound("File");
      return c.json(toFileResponse(c.env, file), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{file_id}",
      tags: ["files"],
      summary: "Delete a file (uploader or system admin); messages that used it show the media as removed. A picture in use is 409 avatar_file",
      middleware: [requireUser] as const,
      request: { params: FileIdParam },
      responses: { ...noContent, ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const me = c.var.user;
      const file = await findVisibleFile(db, c.req.valid("param").file_id, me);
      if (!file) throw notFound("File");
      if (file.uploaderId !== me.id && !me.isAdmin) throw forbidden("Only the uploader can delete this file");
      if (file.purpose === "avatar") throw conflict("avatar_file", "This file is a picture in use: remove it with DELETE /users/me/avatar or /chat-rooms/{id}/avatar");
      await deleteFile(c.env, db, file);
      return c.body(null, 204);
    },
  );

