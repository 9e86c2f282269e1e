// The caller's mentions across their rooms (GET /users/me/mentions). The rule of who was mentioned
// is in the rows (mentions/queries.ts, written by the room's summary write); this is the reader.
import { getDb } from "../db/client";
import type { Caller } from "../messages/common";
import { listMentions } from "./queries";

/** Newest first, paged by `before` (the last id you got); only rooms you are an active member of. */
export async function myMentions(c: Caller, q: { before?: number; limit: number }) {
  const rows = await listMentions(getDb(c.env.DB), c.var.user.id, q);
  return rows.map((r) => ({
    id: r.id,
    room: { id: r.room_id, kind: r.room_kind, name: r.room_name },
    message_id: r.message_id,
    kind: r.kind,
    sender: { id: r.sender_id, username: r.sender_name },
    preview: r.preview,
    created_at: r.created_at,
    read: !!r.read,
  }));
}
