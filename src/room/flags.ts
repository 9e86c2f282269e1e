// States D1 owns and the room enforces: a direct chat under a block takes no messages and shows
// no typing; an archived room is read-only. Each comes with D1's version, and an older one than
// the room holds is ignored, so reordered or retried syncs never undo a newer one.
import { refuse } from "./protocol";
import type { RoomStorage } from "./storage";

export type Flag = "blocked" | "archived";

export class Flags {
  constructor(
    private readonly s: RoomStorage,
    /** A newer state was applied (on: whoever was typing stops now, not when their indicator expires). */
    private readonly changed: (on: boolean) => void,
  ) {}

  /** A direct chat whose two users block each other (either way) takes no messages. */
  postingBlocked(): boolean {
    return (this.s.cache.blocked ??= this.s.get("blocked") === "1");
  }

  /** An archived room is read-only: no messages, edits, reactions or typing. */
  archived(): boolean {
    return (this.s.cache.archived ??= this.s.get("archived") === "1");
  }

  /** Applies the state if `version` is newer than the copy held; returns whether it was applied. */
  set(flag: Flag, on: boolean, version: number): boolean {
    if (this.s.destroyed) return false;
    if (version <= Number(this.s.get(`${flag}_version`) ?? 0)) return false;
    this.s.set(`${flag}_version`, String(version));
    this.s.set(flag, on ? "1" : "0");
    this.s.cache[flag] = on;
    this.changed(on);
    return true;
  }

  /**
   * A REST call the worker let through found the room active in D1 at `version` (archive_version):
   * if this object holds an older state (a reactivation call that was lost), it catches up.
   */
  activeInD1(version: number | undefined) {
    if (version !== undefined && version > 0) this.set("archived", false, version);
  }
}

export const roomArchived = () => refuse(403, "room_archived", "This room is archived: it is read-only");
