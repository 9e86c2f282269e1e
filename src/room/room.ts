// The room Durable Object: one per room. Owns the room's sockets, message order and log.
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject<Env> {
  /** The room was deleted: close every socket (4004) and forget everything. */
  async destroy(): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) ws.close(4004, "room deleted");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** A user lost access (removed, left, banned): close their sockets with 4003. */
  async kick(userId: number): Promise<void> {
    for (const ws of this.ctx.getWebSockets(`u:${userId}`)) ws.close(4003, "removed from room");
  }
}
