// The AsyncAPI 3.0 document of both sockets (a room's and the user's own), generated from the zod
// schemas the room and the hub use for their frames (room/protocol.ts, realtime/protocol.ts), so the
// document cannot drift from the wire. Served at /api/v1/asyncapi.json.
import { z } from "zod";
import { BatchFrame, ChatMessage, Pin, ReactionCount, ReplyPreview, RoomClientFrames, RoomServerFrames, ThreadSummary, UserRef } from "../room/protocol";
import { Notification } from "../notifications/schema";
import { UserClientFrames, UserServerFrames } from "./protocol";

type Frames = Record<string, z.ZodType>;
type Side = { channel: "room" | "user"; prefix: string; server: Frames; client: Frames };

const SIDES: Side[] = [
  { channel: "room", prefix: "Room", server: { ...RoomServerFrames, batch: BatchFrame }, client: RoomClientFrames },
  { channel: "user", prefix: "User", server: UserServerFrames, client: UserClientFrames },
];

const pascal = (s: string) => s.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
const schemaName = (side: Side, dir: "Server" | "Client", type: string) => `${side.prefix}${dir}${pascal(type)}`;

/** Every schema, named once: shared shapes are $refs, so ChatMessage is described in one place. */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  const shared: [z.ZodType, string][] = [
    [ChatMessage, "ChatMessage"],
    [Pin, "Pin"],
    [ReactionCount, "ReactionCount"],
    [ReplyPreview, "ReplyPreview"],
    [ThreadSummary, "ThreadSummary"],
    [UserRef, "UserRef"],
    [Notification, "Notification"],
  ];
  for (const [schema, id] of shared) registry.add(schema, { id });
  for (const side of SIDES) {
    for (const [type, schema] of Object.entries(side.server)) registry.add(schema, { id: schemaName(side, "Server", type) });
    for (const [type, schema] of Object.entries(side.client)) registry.add(schema, { id: schemaName(side, "Client", type) });
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-7",
    // Client frames are documented as a client writes them (defaults optional); refinements such
    // as the one-emoji check are not expressible and stay prose.
    io: "input",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  });
  for (const s of Object.values(schemas)) delete (s as { $schema?: string }).$schema;
  return schemas;
}

const ref = ($ref: string) => ({ $ref });

export function asyncApiDocument(version: string) {
  const schemas = componentSchemas();
  const messages: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const side of SIDES) {
    const channelMessages: Record<string, unknown> = {};
    const list = (dir: "Server" | "Client", frames: Frames) =>
      Object.entries(frames).map(([type, schema]) => {
        const name = schemaName(side, dir, type);
        messages[name] = {
          name: type,
          title: `${type} (${dir === "Server" ? "server → client" : "client → server"})`,
          ...(schema.description && { summary: schema.description }),
          contentType: "application/json",
          payload: ref(`#/components/schemas/${name}`),
        };
        channelMessages[name] = ref(`#/components/messages/${name}`);
        return ref(`#/channels/${side.channel}/messages/${name}`);
      });
    const sent = list("Server", side.server);
    const received = list("Client", side.client);
    channels[side.channel] = side.channel === "room" ? roomChannel(channelMessages) : userChannel(channelMessages);
    operations[`${side.channel}ServerFrames`] = {
      action: "send",
      channel: ref(`#/channels/${side.channel}`),
      summary: `What the server sends on the ${side.channel} socket`,
      messages: sent,
    };
    operations[`${side.channel}ClientFrames`] = {
      action: "receive",
      channel: ref(`#/channels/${side.channel}`),
      summary: `What a client may send on the ${side.channel} socket`,
      messages: received,
    };
  }
  return {
    asyncapi: "3.0.0",
    info: {
      title: "edge chat WebSockets",
      version,
      description:
        "The room socket (one per room: messages, typing, presence, reads, reactions, pins; resume with ?since=) and the user's own socket (notifications). " +
        "Frames are JSON text objects with a `type`. Actions are the server's: `send` is server → client. " +
        "Close codes: 4001 signed out (get a fresh token), 4003 removed/banned/account deleted, 4004 room deleted, 1008 policy, 1009 frame too large. " +
        "Before a 4001, 4003 or 4004 the server sends a closing frame naming why (kind) and the code that follows: act on it at once, the close event may come seconds later. " +
        "REST: /api/v1/openapi.json.",
    },
    servers: {
      edge: {
        host: "{host}",
        protocol: "wss",
        description: "The worker (ws:// locally)",
        variables: { host: { default: "localhost:8787", description: "host and port of the worker" } },
        security: [ref("#/components/securitySchemes/token"), ref("#/components/securitySchemes/bearer")],
      },
    },
    defaultContentType: "application/json",
    channels,
    operations,
    components: {
      schemas,
      messages,
      securitySchemes: {
        token: { type: "httpApiKey", in: "query", name: "token", description: "The access token as ?token= (browsers cannot set headers on a WebSocket)" },
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
      },
    },
  };
}

const intParam = (description: string) => ({ type: "string", pattern: "^[0-9]+$", description });

function roomChannel(messages: Record<string, unknown>) {
  return {
    address: "/api/v1/chat-rooms/{room_id}/ws",
    title: "A room's socket",
    description:
      "For an active member (else a plain HTTP 401/403/404 before any upgrade). Alias /ws/chat/{room_id}/. " +
      "?since=<message id> replays every later message, then replay_done, then live; a gap frame names ids that are gone (pruned) or were too many to replay (truncated: fetch them with GET /chat-rooms/{room_id}/messages?after=). " +
      "?batch=1 opts into batch frames.",
    parameters: { room_id: { description: "The room's id" } },
    messages,
    bindings: {
      ws: {
        method: "GET",
        query: {
          type: "object",
          properties: {
            token: { type: "string", description: "The access token (or an Authorization: Bearer header)" },
            since: intParam("Resume after this message id"),
            batch: { type: "string", enum: ["1", "true", "0", "false"], description: "1: batch frames welcome" },
          },
        },
      },
    },
  };
}

function userChannel(messages: Record<string, unknown>) {
  return {
    address: "/api/v1/realtime/ws",
    title: "Your own socket",
    description:
      "Every notification the moment it exists, on every tab. Alias /realtime/ws. ?since=<notification id> replays what came after it, then replay_done; a gap frame names what was too many to replay.",
    messages,
    bindings: {
      ws: {
        method: "GET",
        query: {
          type: "object",
          properties: { token: { type: "string", description: "The access token" }, since: intParam("Resume after this notification id") },
        },
      },
    },
  };
}
