// The avatar routes (a user's picture, a group's, and the public picture URL): each is zod in, one
// call into ./service.ts, JSON (or the image) out.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { errors, json, pick, RoomIdParam } from "../http/schemas";
import { serveFile } from "../media/download";
import { FileIdParam, UploadBody } from "../media/schemas";
import { UserResponse } from "../users/schemas";
import { avatarFile, removeMyAvatar, removeRoomAvatar, setMyAvatar, setRoomAvatar } from "./service";

const YEAR = 365 * 24 * 3600;

const upload = {
  body: { content: { "multipart/form-data": { schema: { ...UploadBody, properties: { file: UploadBody.properties.file } } } }, required: true },
};
const uploadErrors = {
  411: { ...errors[400], description: "Content-Length missing" },
  413: { ...errors[400], description: "Larger than MAX_UPLOAD_BYTES (payload_too_large), or over USER_STORAGE_QUOTA_BYTES (quota_exceeded)" },
  415: { ...errors[400], description: "Not a JPEG, PNG, GIF or WebP image" },
};
const RoomAvatar = z.object({ room_id: z.number().int(), avatar_url: z.string().nullable() }).openapi("RoomAvatar");

/** Under /users: your own picture. */
export const userAvatarRoutes = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/me/avatar",
      tags: ["avatars"],
      summary: "Upload your picture (multipart `file`: JPEG, PNG, GIF or WebP): avatar_url becomes its public URL, and the previous upload is deleted",
      request: upload,
      responses: { 200: json(UserResponse), ...pick(400, 401), ...uploadErrors },
    }),
    async (c) => c.json(await setMyAvatar(c, c.req.raw), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/avatar",
      tags: ["avatars"],
      summary: "Remove your picture (an uploaded one is deleted; a URL set with PATCH /users/me is cleared)",
      responses: { 200: json(UserResponse), ...pick(401) },
    }),
    async (c) => c.json(await removeMyAvatar(c), 200),
  );

/** Under /chat-rooms: a group's picture. */
export const roomAvatarRoutes = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/{room_id}/avatar",
      tags: ["avatars"],
      summary: "Upload the group's picture (owner, system admins; multipart `file`: JPEG, PNG, GIF or WebP); shown as avatar_url in room lists and the inbox",
      request: { params: RoomIdParam, ...upload },
      responses: { 200: json(RoomAvatar), ...pick(400, 401, 403, 404), ...uploadErrors },
    }),
    async (c) => c.json(await setRoomAvatar(c, c.req.valid("param").room_id, c.req.raw), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/avatar",
      tags: ["avatars"],
      summary: "Remove the group's picture (owner, system admins)",
      request: { params: RoomIdParam },
      responses: { 200: json(RoomAvatar), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await removeRoomAvatar(c, c.req.valid("param").room_id), 200),
  );

/** At /avatars, without a token: pictures are public, like the names next to them. */
export const avatarFileRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/{file_id}",
    tags: ["avatars"],
    summary: "A user's or a group's picture, public and cacheable for a year (an id's bytes never change). Only files in use as a picture are served",
    security: [],
    request: { params: FileIdParam },
    responses: { 200: { description: "The image", content: { "image/*": { schema: { type: "string", format: "binary" } } } }, ...pick(400, 404) },
  }),
  async (c) => serveFile(c.env, c.req.raw, await avatarFile(c, c.req.valid("param").file_id), YEAR, "public"),
);
