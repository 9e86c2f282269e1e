// Reactions: members put emoji on messages. The room object keeps them with its messages (one
// writer per room), tallies them into every message it returns and broadcasts each change as a
// `reaction` frame; these routes authorize and pass through.
import { createRoute, z } from "@hono/zod-openapi";
import { getDb } from "../db/client";
import { router } from "../http/app-env";
import { intQuery, json, noContent, pick } from "../http/schemas";
import { roomStub } from "../room/client";
import { Emoji } from "../room/protocol";
import { canPost, canView, requireActive } from "../rooms/access";
import { actorOf, assertNotBlocked, ChatMessage, memberAccess, MessageParams, unwrap } from "../messages/common";

const EmojiParam = Emoji.openapi({ param: { name: "emoji", in: "path" }, example: "👍" });
const ReactionParams = MessageParams.extend({ emoji: EmojiParam });

const Reactor = z
  .object({
    id: z.number().int().openapi({ description: "Order of reacting; the `after` cursor" }),
    emoji: z.string(),
    user: z.object({ id: z.number().int(), username: z.string() }),
    created_at: z.string(),
  })
  .openapi("Reaction");

const ReactorQuery = z.object({
  emoji: Emoji.optional().openapi({ description: "Only this emoji" }),
  after: intQuery(0, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "The last `id` of the previous page" }),
  limit: intQuery(1, 100).default(50),
});

export const reactionRoutes = router()
  .openapi(
    createRoute({
      method: "put",
      path: "/{room_id}/messages/{message_id}/reactions/{emoji}",
      tags: ["reactions"],
      summary:
        "React to a message (active members). Idempotent: reacting again changes nothing. A change reaches the room's sockets as a `reaction` frame; the reply is the message with its tallies.",
      request: { params: ReactionParams },
      responses: { 200: json(ChatMessage), ...pick(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      const { room_id, message_id, emoji } = c.req.valid("param");
      const access = await memberAccess(c, room_id, canPost);
      requireActive(access);
      await assertNotBlocked(getDb(c.env.DB), access);
      return c.json(unwrap(await roomStub(c.env, room_id).react(actorOf(c), message_id, emoji, true, access.cleared, access.room.archiveVersion)).message, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/messages/{message_id}/reactions/{emoji}",
      tags: ["reactions"],
      summary: "Take your reaction back (active members). Idempotent: 204 whether or not it was there.",
      request: { params: ReactionParams },
      responses: { ...noContent, ...pick(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const { room_id, message_id, emoji } = c.req.valid("param");
      const access = await memberAccess(c, room_id, canPost);
      requireActive(access);
      unwrap(await roomStub(c.env, room_id).react(actorOf(c), message_id, emoji, false, access.cleared, access.room.archiveVersion));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/messages/{message_id}/reactions",
      tags: ["reactions"],
      summary: "Who reacted, in the order they did (optionally one emoji); page with `after`",
      request: { params: MessageParams, query: ReactorQuery },
      responses: { 200: json(z.array(Reactor)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const { room_id, message_id } = c.req.valid("param");
      const access = await memberAccess(c, room_id, canView);
      return c.json(unwrap(await roomStub(c.env, room_id).reactors(message_id, c.req.valid("query"), access.cleared)).reactions, 200);
    },
  );
