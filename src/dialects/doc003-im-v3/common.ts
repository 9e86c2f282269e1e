// What the routes of document 003 share: their OpenAPI tag, the core routes' input checks (a
// refusal is the core's own error, which is already 003's {"detail"} body), and the message in
// 003's words.
import { createRoute, z, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { validator } from "hono/validator";
import { validationError, type AppEnv } from "../../http/app-env";
import { errors } from "../../http/schemas";
import { toGlobalMessageId } from "../../messages/global-id";
import type { MemberResponse } from "../../members/schemas";
import type { ChatMessage } from "../../room/protocol";
import type { Conversation, ConversationMember, Message } from "./models";

export const TAG = "doc 003: IM API V3 (/api/v1)";

/** A route of the document, listed under its tag. */
export function route003<R extends RouteConfig["request"] = undefined>(
  method: "get" | "post" | "put" | "delete",
  path: string,
  summary: string,
  request?: R,
  ok: 200 | 204 = 200,
) {
  return createRoute({
    method,
    path,
    tags: [TAG],
    summary,
    request: request as R,
    responses: {
      ...(ok === 204 ? { 204: { description: "No content" } } : { 200: { description: "As the core route named in the summary, with 003's fields added" } }),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  });
}

export const body003 = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

/** 003's ids in paths: positive integers (a message id is global: room × 10^9 + per-room id). */
export const pathId = (name: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "must be a positive integer")
    .transform(Number)
    .openapi({ param: { name, in: "path" }, type: "integer" });

/** A message's place in 003's MessageType: the core's voice note is `audio`, a location is `text`. */
const type003 = (t: ChatMessage["message_type"]): Message["message_type"] => (t === "voice" ? "audio" : t === "location" ? "text" : t);

/** A location's text for a client that shows only `content`: its name and address, else its coordinates. */
const placeText = (l: NonNullable<ChatMessage["location"]>) => [l.name, l.address].filter(Boolean).join(", ") || `${l.latitude}, ${l.longitude}`;

/**
 * A core message in 003's words, as a union: every core field stays, `id` becomes the global id
 * (the core's per-room id stays as `room_message_id`), and 003's names are added:
 * conversation_id, content, created_at; message_type in 003's enum (the location itself stays in
 * `location`); reply ids are global too.
 */
export const toMessage003 = (m: ChatMessage): Message => ({
  ...m,
  id: toGlobalMessageId(m.room_id, m.id),
  room_message_id: m.id,
  conversation_id: m.room_id,
  content: m.content_text ?? (m.location ? placeText(m.location) : null),
  created_at: m.sent_at,
  message_type: type003(m.message_type),
  reply_to_id: m.reply_to_id === null ? null : toGlobalMessageId(m.room_id, m.reply_to_id),
  reply_to: m.reply_to && { ...m.reply_to, id: toGlobalMessageId(m.room_id, m.reply_to.id) },
});

/** A conversation (a core room) with 003's ConversationType added: single for a direct chat. */
export const withType = <T extends { kind: "direct" | "group"; id: number; name: string }>(room: T): T & Conversation => ({
  ...room,
  type: room.kind === "direct" ? "single" : "group",
});

/**
 * A core member in 003's words: `id` and `user_id` are the user's id, the one its paths take
 * (/members/{user_id}); the core's membership row id stays as `membership_id`.
 */
export const toMember003 = (m: z.infer<typeof MemberResponse>): ConversationMember => ({ ...m, membership_id: m.id, id: m.member_id, user_id: m.member_id });

/**
 * A request part checked against the core route's own schema, before a service is called with it:
 * refused with the core's 400 invalid_request, its field paths under `target` (json: "body.").
 */
export function coreInput<T extends z.ZodType>(schema: T, value: unknown, target: "json" | "query" = "json"): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error.issues, target);
  return parsed.data;
}

/** The request's query as a core route's validator reads it (a repeated key is an array), checked against `schema`. */
export const coreQuery = <T extends z.ZodType>(c: Context<AppEnv>, schema: T): z.output<T> =>
  coreInput(schema, Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => (v.length === 1 ? [k, v[0]] : [k, v]))), "query");

/** A JSON media type, as the core's routes tell a JSON body (and, with parameters only, accept one). */
const JSON_TYPE = /^application\/([a-z-.]+\+)?json/i;
const JSON_REQUEST = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * A JSON body read and checked exactly as a core route declaring `schema` reads it: 415 for another
 * media type (or a typeless body), 400 malformed_json, 400 invalid_request. Not `required`: a
 * request without a JSON type has no body (undefined), which the caller fills with defaults.
 */
export async function coreJson<T extends z.ZodType>(c: Context<AppEnv>, schema: T, required = true): Promise<z.output<T> | undefined> {
  const type = c.req.header("content-type");
  const raw = c.req.raw;
  if (type ? !JSON_REQUEST.test(type) : raw.body !== null && (await raw.clone().arrayBuffer()).byteLength > 0)
    throw new HTTPException(415, { message: "Unsupported Media Type" });
  if (!required && !(type && JSON_TYPE.test(type))) return undefined;
  let body: z.output<T> | undefined;
  // Hono's own JSON reading (media type, malformed JSON), then the core's schema.
  await validator("json", (value) => (body = coreInput(schema, value)))(c, async () => {});
  return body;
}
