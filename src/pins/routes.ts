// Pins: the room's owner and admins pin messages (at most 50 per room); members list them newest
// pin first. Each change reaches the room's sockets as message_pinned / message_unpinned; the
// rules are in service.ts.
import { createRoute, z } from "@hono/zod-openapi";
import { router } from "../http/app-env";
import { json, noContent, pick, RoomIdParam } from "../http/schemas";
import { ChatMessage, MessageParams } from "../messages/common";
import { MAX_PINS } from "../room/protocol";
import { listPins, pinMessage, unpinMessage } from "./service";

const PinResponse = z
  .object({
    message: ChatMessage,
    pinned_by: z.object({ id: z.number().int(), username: z.string() }),
    pinned_at: z.string(),
  })
  .openapi("Pin");

export const pinRoutes = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/pins",
      tags: ["pins"],
      summary: `The room's pinned messages (at most ${MAX_PINS}), newest pin first, with who pinned each and when`,
      request: { params: RoomIdParam },
      responses: { 200: json(z.array(PinResponse)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => c.json(await listPins(c, c.req.valid("param").room_id), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{room_id}/pins/{message_id}",
      tags: ["pins"],
      summary: `Pin a message (the owner and room admins; either person in a direct chat). Idempotent: pinning again changes nothing. At most ${MAX_PINS} per room (409 pin_limit_reached); a deleted message is 404. The room's sockets get message_pinned.`,
      request: { params: MessageParams },
      responses: { 200: json(PinResponse), ...pick(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { room_id, message_id } = c.req.valid("param");
      return c.json(await pinMessage(c, room_id, message_id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/pins/{message_id}",
      tags: ["pins"],
      summary: "Unpin a message (whoever may pin). Idempotent: 204 whether or not it was pinned. The room's sockets get message_unpinned.",
      request: { params: MessageParams },
      responses: { ...noContent, ...pick(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { room_id, message_id } = c.req.valid("param");
      await unpinMessage(c, room_id, message_id);
      return c.body(null, 204);
    },
  );
