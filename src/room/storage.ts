// The room object's own storage and identity: its id (from its name), drizzle over its SQLite
// (migrated before anything else runs), the meta key-values, caches of values whose truth is in
// storage, the message id bounds, and the one prepared read every module shares.
import { eq, sql } from "drizzle-orm";
import { placeholder } from "drizzle-orm/sql";
import { drizzle, type DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import { errorFields, log, type LogFields } from "../ops/log";
import { roomIdOf } from "./client";
import bundle from "./migrations/migrations";
import { refuse } from "./protocol";
import * as schema from "./schema";
import { messages, meta } from "./schema";

export type RoomDb = DrizzleSqliteDODatabase<typeof schema>;

export class RoomStorage {
  readonly db: RoomDb;
  /** The room this object is: from its own name (client.ts), so no call has to say it. */
  readonly roomId: number;
  /**
   * Set by destroy(): a call the worker authorized just before the room's deletion may still arrive.
   * It must not write again into the storage that was just wiped (in memory: an evicted object has
   * nothing left to protect, and a deleted room's id is never reused).
   */
  destroyed = false;
  /** Caches of values whose truth is in storage (meta, typing), read once per instance. */
  cache: { summaryDue?: boolean; typing?: number; blocked?: boolean; archived?: boolean; relays?: number; threadSeq?: number } = {};
  /** A message by id: on the send path and most others, so built once per instance. */
  readonly byId;

  constructor(private readonly ctx: DurableObjectState) {
    this.db = drizzle(ctx.storage, { schema });
    this.roomId = roomIdOf(ctx.id);
    ctx.blockConcurrencyWhile(async () => migrate(this.db, bundle));
    this.byId = this.db.select().from(messages).where(eq(messages.id, placeholder("id"))).prepare();
  }

  get(key: string): string | undefined {
    return this.db.select().from(meta).where(eq(meta.key, key)).get()?.value;
  }

  set(key: string, value: string) {
    this.db.insert(meta).values({ key, value }).onConflictDoUpdate({ target: meta.key, set: { value } }).run();
  }

  del(key: string) {
    this.db.delete(meta).where(eq(meta.key, key)).run();
  }

  bounds(): { oldest: number; last: number } {
    const row = this.db
      .select({ oldest: sql<number | null>`min(${messages.id})`, last: sql<number | null>`max(${messages.id})` })
      .from(messages)
      .get();
    // After pruning everything, max() is null but ids must keep counting from the sequence.
    const seq = row?.last ?? this.ctx.storage.sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").toArray()[0]?.seq ?? 0;
    return { oldest: row?.oldest ?? seq + 1, last: seq };
  }

  /** Forgets everything, alarm included, leaving the state a fresh object would have: empty tables. */
  async wipe() {
    this.destroyed = true;
    this.cache = {};
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    await migrate(this.db, bundle);
  }

  /** Errors name the room, so an operator can find its other log lines and its object. */
  logError(msg: string, err: unknown, fields: LogFields = {}) {
    log("error", msg, { room_id: this.roomId || null, ...fields, ...errorFields(err) });
  }
}

export const roomDeleted = () => refuse(404, "room_not_found", "This room was deleted");
