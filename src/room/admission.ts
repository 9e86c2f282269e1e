// Socket admission: the upgrade the worker already admitted, checked once more against D1 (a
// removal, a password change or a logout can land between the worker's check and here), then
// accepted, greeted, replayed from the client's resume point, and announced.
import { upgradeCheck } from "../members/queries";
import type { RoomParts } from "./parts";
import type { Actor, ServerFrame } from "./protocol";
import { relayedResponse } from "./relay/placement";
import type { RemoteAdmission } from "./relay/wire";
import { ref } from "./render";
import type { WireShape } from "./shapes";
import type { SocketInfo } from "./sockets";

/** Header on upgrade requests the worker forwards: the admitted identity (never from the client). */
export const ADMISSION_HEADER = "X-Edge-Chat-Admission";
/** What the worker vouches for at an upgrade; token_version lets the room refuse a token revoked meanwhile. */
/** session_id: the session the socket is opened in; expires_at: when its credential stops (ms). */
/** `shape`: the socket speaks a reference document's frames (room/shapes.ts). */
export type Admission = {
  user: Actor;
  token_version: number;
  session_id: string;
  expires_at: number;
  since: number | null;
  batch: boolean;
  cleared?: number;
  shape?: WireShape;
  /** May use @here / @all (rooms/access.ts canMentionEveryone), decided at the upgrade. */
  mass_mentions?: boolean;
};

/** What admission uses of the room's parts (parts.ts). */
export type AdmissionDeps = Pick<RoomParts, "ctx" | "env" | "s" | "sockets" | "fanout" | "flags" | "history" | "connections" | "retention" | "alarm" | "link">;

export async function admit(d: AdmissionDeps, request: Request): Promise<Response> {
  const raw = request.headers.get(ADMISSION_HEADER);
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !raw) return new Response("WebSocket upgrades only", { status: 426 });
  const admission = JSON.parse(raw) as Admission;
  if (d.s.destroyed) return roomDeletedResponse();
  // A giant room holds no more sockets itself: the worker takes this one to a relay, which asks
  // the room to admit it (admitRemote). Until then, today's path, with no extra hop.
  const placement = d.link.placement(d.sockets.size);
  if (placement) return relayedResponse(placement);
  const checked = await check(d, admission);
  if (checked instanceof Response) return checked;
  const { oldest, last } = checked;
  const user = admission.user;
  const wasOnline = d.sockets.has(user.id);

  // Frames queued before this socket existed are not for it (replay covers their messages).
  d.fanout.flush();
  const [client, server] = Object.values(new WebSocketPair());
  d.ctx.acceptWebSocket(server, [`u:${user.id}`]);
  const info = socketInfo(admission);
  server.serializeAttachment(info);
  d.sockets.add(server, info);

  d.fanout.send(server, greeting(d, admission, oldest, last));
  // Everything below runs in this one turn: no live message can slip between replay and live.
  const replay = replayFor(d, admission, oldest, last);
  if (replay) d.fanout.sendAll(server, replay, admission.batch);
  d.connections.joined(server, info, wasOnline);
  await keepRetention(d);
  return new Response(null, { status: 101, webSocket: client });
}

/**
 * A relay admits a socket of this room: the same checks, and in the same turn the greeting, the
 * replay and the stream position they are consistent with; the relay sends them, then forwards
 * the stream after that position.
 */
export async function admitRemote(d: AdmissionDeps, admission: Admission): Promise<RemoteAdmission> {
  if (d.s.destroyed) return refusal(roomDeletedResponse(), 404);
  const checked = await check(d, admission);
  if (checked instanceof Response) return refusal(checked, checked.status);
  const { oldest, last } = checked;
  const replay = replayFor(d, admission, oldest, last);
  await keepRetention(d);
  return { ok: true, seq: d.link.head(), greeting: greeting(d, admission, oldest, last), replay };
}

const refusal = async (res: Response, status: number): Promise<RemoteAdmission> => ({ ok: false, status, body: await res.json() });

/** The D1 check once more, the races it guards, and the resume point; a Response is a refusal. */
async function check(d: AdmissionDeps, admission: Admission): Promise<Response | { oldest: number; last: number }> {
  const user = admission.user;
  // Look again, and refuse if a kick for this user arrived while we looked. The same read also
  // brings a direct chat's block state with its version, so a block sync that was lost on the way
  // (setPostingBlocked) is made good by the next socket that connects.
  const startedAt = Date.now();
  const member = await upgradeCheck(d.env.DB, d.s.roomId, user.id, admission.session_id);
  if (d.s.destroyed) return roomDeletedResponse();
  // The password changed, or the session ended, between the worker's token check and here (its
  // sockets were just closed).
  if (member && (member.tokenVersion !== admission.token_version || !member.session || (d.connections.endedSessions.get(admission.session_id) ?? 0) >= startedAt))
    return Response.json({ detail: "Invalid or expired token", code: "unauthorized" }, { status: 401 });
  if (!member || d.connections.revokedAt(user.id) >= startedAt)
    return Response.json({ detail: "You are not a member of this room", code: "not_a_member" }, { status: 403 });
  if (member.version > 0) d.flags.set("blocked", !!member.blocked, member.version);
  // Likewise an archive change whose call was lost.
  if (member.archiveVersion > 0) d.flags.set("archived", !!member.archived, member.archiveVersion);
  const { oldest, last } = d.s.bounds();
  // A resume point past the newest message is the client's mistake, not an empty replay: it would
  // go on to take the ids up to it for ones already seen.
  if (admission.since !== null && admission.since > last)
    return Response.json({ detail: `since is after the room's last message (${last})`, code: "invalid_since" }, { status: 400 });
  return { oldest, last };
}

export const socketInfo = (admission: Admission): SocketInfo => ({
  id: admission.user.id,
  username: admission.user.username,
  display_name: admission.user.display_name,
  sid: admission.session_id,
  exp: admission.expires_at,
  ...(admission.batch && !admission.shape && { batch: true }),
  ...(admission.shape && { shape: admission.shape }),
  ...(admission.cleared && { cleared: admission.cleared }),
  ...(admission.mass_mentions && { mm: true as const }),
});

const greeting = (d: AdmissionDeps, admission: Admission, oldest: number, last: number): ServerFrame => ({
  type: "connection_established",
  message: "connected",
  room_id: d.s.roomId,
  user: ref(admission.user),
  last_message_id: last,
  oldest_message_id: Math.max(oldest, (admission.cleared ?? 0) + 1),
  online: d.sockets.users().map(ref),
});

/** A resume from before what this user cleared starts where their history now starts. */
const replayFor = (d: AdmissionDeps, admission: Admission, oldest: number, last: number): ServerFrame[] | null =>
  admission.since === null ? null : d.history.replay(Math.max(admission.since, admission.cleared ?? 0), oldest, last, admission.user.id);

/** A room idle since before retention was switched on has no alarm: its first socket sets one. */
async function keepRetention(d: AdmissionDeps) {
  if (d.retention.days() && (await d.ctx.storage.getAlarm()) === null) d.alarm.reschedule();
}

const roomDeletedResponse = () => Response.json({ detail: "This room was deleted", code: "room_not_found" }, { status: 404 });
