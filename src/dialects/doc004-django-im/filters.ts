// Document 004's record filters (records/{id}, and the chat view, where its examples call them):
// start_time and end_time in ISO 8601, member_id, read into the core's search terms.
import { z } from "@hono/zod-openapi";
import { instant as coreInstant } from "../../messages/common";
import { id004 } from "./common";
import { fail } from "./envelope";

/** Records by time and sender, as records/{id} and the document's filtered chat-view examples take them. */
export const Filters = z.object({ start_time: z.string().max(64).optional(), end_time: z.string().max(64).optional(), member_id: id004.optional() });

/** The filters in the core's terms: 3 for a time that is none, or an empty range. */
export function filters(q: z.infer<typeof Filters>) {
  const since = instant(q.start_time);
  const until = instant(q.end_time);
  if (since && until && since >= until) throw fail(3);
  return { sender_id: q.member_id, since, until };
}

/** An ISO 8601 time as the core reads it (UTC, with Z); a time without an offset is taken as UTC. */
function instant(s: string | undefined) {
  if (s === undefined) return undefined;
  const t = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) || !s.includes("T") ? s : `${s}Z`);
  if (Number.isNaN(t.getTime())) throw fail(3);
  // What the core's own search query accepts as a time (a year past 9999 is not one).
  const parsed = coreInstant.safeParse(t.toISOString());
  if (!parsed.success) throw fail(3);
  return parsed.data;
}
