// Reactions: one user's emoji on one message, tallied per message in the order they were first
// made, with caps per user and per message. A change is broadcast with the message's new tallies.
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Fanout } from "./fanout";
import { roomArchived, type Flags } from "./flags";
import { MAX_EMOJI_PER_MESSAGE, MAX_EMOJI_PER_USER, refuse, type Actor, type ChatMessage, type Refusal, type ServerFrame } from "./protocol";
import type { RateLimiter } from "./rate-limit";
import { ref, type Renderer } from "./render";
import { reactions } from "./schema";
import { roomDeleted, type RoomStorage } from "./storage";

export type Reacted = { ok: true; changed: boolean; message: ChatMessage };
export type ReactionQuery = { emoji?: string; after?: number; limit: number };
export type Reactor = { id: number; emoji: string; user: { id: number; username: string }; created_at: string };

export class Reactions {
  constructor(
    private readonly s: RoomStorage,
    private readonly render: Renderer,
    private readonly fanout: Fanout,
    private readonly flags: Flags,
    private readonly limiter: RateLimiter,
  ) {}

  /**
   * Adds or removes the actor's emoji on a message. Asking for what is already so (adding twice,
   * removing what is not there) changes nothing and broadcasts nothing: a retry is safe. `cleared`:
   * the actor cleared their history up to there, and those messages are not theirs to see (404).
   */
  react(actor: Actor, messageId: number, emoji: string, add: boolean, cleared = 0): Reacted | Refusal {
    if (this.s.destroyed) return roomDeleted();
    const db = this.s.db;
    const row = messageId > cleared ? this.s.byId.get({ id: messageId }) : undefined;
    if (!row || row.deletedAt) return refuse(404, "message_not_found", "Message not found");
    if (this.flags.archived()) return roomArchived();
    // Every call spends, a repeat included: each one reads the message's tallies back.
    const wait = this.limiter.take(actor.id);
    if (wait) return refuse(429, "rate_limited", `Too many changes; retry in ${wait}s`, wait);
    const mine = db
      .select({ emoji: reactions.emoji })
      .from(reactions)
      .where(and(eq(reactions.messageId, messageId), eq(reactions.userId, actor.id)))
      .all();
    if (add === mine.some((m) => m.emoji === emoji)) return { ok: true, changed: false, message: this.render.all([row], actor.id)[0] };
    if (add) {
      if (this.flags.postingBlocked()) return refuse(403, "cannot_message", "You cannot send messages in this conversation");
      if (mine.length >= MAX_EMOJI_PER_USER)
        return refuse(409, "too_many_reactions", `One user can put at most ${MAX_EMOJI_PER_USER} different reactions on a message`);
      const kinds = db
        .select({ n: sql<number>`count(DISTINCT ${reactions.emoji})`, has: sql<number>`max(${reactions.emoji} = ${emoji})` })
        .from(reactions)
        .where(eq(reactions.messageId, messageId))
        .get();
      if (kinds && kinds.n >= MAX_EMOJI_PER_MESSAGE && !kinds.has)
        return refuse(409, "too_many_reactions", `A message holds at most ${MAX_EMOJI_PER_MESSAGE} different reactions`);
    }
    if (add) db.insert(reactions).values({ messageId, emoji, userId: actor.id, username: actor.username, createdAt: new Date().toISOString() }).run();
    else db.delete(reactions).where(and(eq(reactions.messageId, messageId), eq(reactions.userId, actor.id), eq(reactions.emoji, emoji))).run();
    const [message] = this.render.all([row], actor.id);
    this.fanout.broadcast(reactionFrame(message, emoji, actor, add));
    this.fanout.flush();
    return { ok: true, changed: true, message };
  }

  /** Who reacted to a message, in the order they did; `emoji` narrows it to one. */
  reactors(messageId: number, q: ReactionQuery, cleared = 0): { ok: true; reactions: Reactor[] } | Refusal {
    const row = messageId > cleared ? this.s.byId.get({ id: messageId }) : undefined;
    if (!row || row.deletedAt) return refuse(404, "message_not_found", "Message not found");
    const rows = this.s.db
      .select()
      .from(reactions)
      .where(
        and(
          eq(reactions.messageId, messageId),
          q.emoji !== undefined ? eq(reactions.emoji, q.emoji) : undefined,
          q.after !== undefined ? gt(reactions.id, q.after) : undefined,
        ),
      )
      .orderBy(asc(reactions.id))
      .limit(q.limit)
      .all();
    return { ok: true, reactions: rows.map((r) => ({ id: r.id, emoji: r.emoji, user: { id: r.userId, username: r.username }, created_at: r.createdAt })) };
  }
}

/** A reaction change, with the message's tallies as everyone sees them (no `me`). */
export const reactionFrame = (message: ChatMessage, emoji: string, actor: Actor, add: boolean): ServerFrame => ({
  type: "reaction",
  message_id: message.id,
  emoji,
  user: ref(actor),
  action: add ? "add" : "remove",
  reactions: message.reactions.map(({ emoji, count }) => ({ emoji, count })),
});
