// Per-member conversation settings (mute, hide, cleared history) for the caller's own membership,
// in group rooms and direct chats alike (rules in service.ts).
import { createRoute } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, jsonBody, pick, RoomIdParam } from "../http/schemas";
import { MUTE_FOREVER, SettingsResponse, SettingsUpdate } from "./schemas";
import { clearHistory, readSettings, updateSettings } from "./service";

export const settingsRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/settings",
      tags: ["conversations"],
      summary: "Your own settings for a room or direct chat (active members)",
      request: { params: RoomIdParam },
      responses: { 200: json(SettingsResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await readSettings(c, c.req.valid("param").room_id), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{room_id}/settings",
      tags: ["conversations"],
      summary: `Mute (until a time; ${MUTE_FOREVER} = forever; null unmutes) or hide your own view of a room or direct chat`,
      request: { params: RoomIdParam, ...jsonBody(SettingsUpdate) },
      responses: { 200: json(SettingsResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await updateSettings(c, c.req.valid("param").room_id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/clear-history",
      tags: ["conversations"],
      summary:
        "Clear a room's or direct chat's history for yourself: every message so far leaves your history, search, single-message reads and socket replays, and counts as read. The others keep theirs",
      request: { params: RoomIdParam },
      responses: { 200: json(SettingsResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await clearHistory(c, c.req.valid("param").room_id), 200),
  );
