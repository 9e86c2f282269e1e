// What a giant room and its relays say to each other over RPC (relay/link.ts on the room's side,
// relay/stream.ts and relay/connection.ts on the relay's).
import type { ServerFrame } from "../protocol";

/** One broadcast of the room: its place in the stream, the frame's JSON text, who does not get it. */
export type Entry = { seq: number; frame: string; except: number | null };

/** A push: every entry after `prev`, in order. */
export type Push = { prev: number; entries: Entry[] };

/** A relay's answer to a push: how many sockets it holds, and where its stream now stands. */
export type PushReply = { sockets: number; last: number };

/** The room's answer to a relay admitting a socket: a refusal as HTTP, or what the socket gets first. */
export type RemoteAdmission =
  | { ok: false; status: number; body: { detail: string; code: string } }
  | { ok: true; seq: number; greeting: ServerFrame; replay: ServerFrame[] | null };

/** The room's answer to a frame from a relay's socket: what that socket gets, then maybe its close. */
export type RemoteFrameReply = { seq: number; replies: ServerFrame[]; close?: { code: number; reason: string } };
