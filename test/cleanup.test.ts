// Nothing left behind: deleted rows leave their R2 keys in r2_cleanup in the same statement; the
// request deletes the objects, and the cron retries whatever R2 refused until it is gone.
// Unattached uploads and old events expire; each user's storage has a quota.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { api, BASE, createRoom, expectError, registerUser, type TestUser } from "./helpers";
import * as fx from "./media-fixtures";

/** The real bucket, except that deletes fail as when R2 is unavailable. */
const failingDeletes = (): R2Bucket =>
  ({
    put: (...a: Parameters<R2Bucket["put"]>) => env.MEDIA.put(...a),
    get: (...a: Parameters<R2Bucket["get"]>) => env.MEDIA.get(...a),
    head: (key: string) => env.MEDIA.head(key),
    list: (o?: R2ListOptions) => env.MEDIA.list(o),
    createMultipartUpload: (key: string, o?: R2MultipartOptions) => env.MEDIA.createMultipartUpload(key, o),
    resumeMultipartUpload: (key: string, id: string) => env.MEDIA.resumeMultipartUpload(key, id),
    delete: () => Promise.reject(new Error("R2 is unavailable")),
  }) as unknown as R2Bucket;

/** The real worker with some bindings swapped. */
async function call(method: string, path: string, token: string, bindings: Partial<Env> = {}, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const req = new Request(`${BASE}${path}`, { method, ...init, headers: { Authorization: `Bearer ${token}`, ...init.headers } });
  const res = await worker.fetch(req as Request<unknown, IncomingRequestCfProperties>, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const cron = (bindings: Partial<Env> = {}) => worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), { ...env, ...bindings });

async function upload(user: TestUser, extra: fx.Part[] = []) {
  const form = fx.multipart([{ name: "file", filename: "a.png", data: fx.png(2, 2) }, ...extra]);
  const res = await api("POST", "/files", { token: user.token, raw: form.body, headers: { "Content-Type": form.contentType } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  const key = (await env.DB.prepare("SELECT key FROM files WHERE id = ?").bind(res.json.id).first<{ key: string }>())!.key;
  return { id: res.json.id as number, key };
}

const pending = async (key: string) => env.DB.prepare("SELECT attempts, last_error FROM r2_cleanup WHERE key = ?").bind(key).first<{ attempts: number; last_error: string }>();
const stored = async (key: string) => (await env.MEDIA.head(key)) !== null;

describe("R2 cleanup", () => {
  it("a file deleted while R2 fails: the row goes, the key is kept, and the cron deletes the object later", async () => {
    const u = await registerUser("cl");
    const f = await upload(u);
    const res = await call("DELETE", `/files/${f.id}`, u.token, { MEDIA: failingDeletes() });
    expect(res.status).toBe(204);
    expect((await api("GET", `/files/${f.id}/info`, { token: u.token })).status).toBe(404);
    expect(await stored(f.key)).toBe(true);
    expect(await pending(f.key)).toMatchObject({ attempts: 1, last_error: "R2 is unavailable" });

    // A cron run while R2 still fails keeps it, counting the attempt.
    await cron({ MEDIA: failingDeletes() });
    expect((await pending(f.key))?.attempts).toBe(2);
    expect(await stored(f.key)).toBe(true);

    await cron();
    expect(await stored(f.key)).toBe(false);
    expect(await pending(f.key)).toBeNull();
  });

  it("when R2 works, the request itself deletes the object and leaves nothing to clean", async () => {
    const u = await registerUser("cl");
    const f = await upload(u);
    expect((await api("DELETE", `/files/${f.id}`, { token: u.token })).status).toBe(204);
    expect(await stored(f.key)).toBe(false);
    expect(await pending(f.key)).toBeNull();
  });

  it("a room deleted while R2 fails: every file of the room is recorded (cascade included) and purged by the cron", async () => {
    const u = await registerUser("cl");
    const room = await createRoom(u);
    const files = [await upload(u, [{ name: "room_id", data: String(room.id) }]), await upload(u, [{ name: "room_id", data: String(room.id) }])];
    expect((await call("DELETE", `/chat-rooms/${room.id}`, u.token, { MEDIA: failingDeletes() })).status).toBe(204);
    for (const f of files) {
      expect(await pending(f.key)).not.toBeNull();
      expect(await stored(f.key)).toBe(true);
    }
    await cron();
    for (const f of files) {
      expect(await stored(f.key)).toBe(false);
      expect(await pending(f.key)).toBeNull();
    }
  });

  it("an account deleted while R2 fails: its unattached uploads are purged by the cron", async () => {
    const u = await registerUser("cl");
    const f = await upload(u);
    const init = { body: JSON.stringify({ password: "password123" }), headers: { "Content-Type": "application/json" } };
    expect((await call("DELETE", "/users/me", u.token, { MEDIA: failingDeletes() }, init)).status).toBe(204);
    expect(await pending(f.key)).not.toBeNull();
    await cron();
    expect(await stored(f.key)).toBe(false);
    expect(await pending(f.key)).toBeNull();
  });
});

describe("expiry", () => {
  it("uploads never attached expire after UNATTACHED_UPLOAD_TTL_HOURS; attached files and pictures stay", async () => {
    const u = await registerUser("ttl");
    const room = await createRoom(u);
    const loose = await upload(u);
    const fresh = await upload(u);
    const attached = await upload(u, [{ name: "room_id", data: String(room.id) }]);
    const old = new Date(Date.now() - 25 * 3_600_000).toISOString();
    await env.DB.prepare("UPDATE files SET created_at = ? WHERE id IN (?, ?)").bind(old, loose.id, attached.id).run();
    await cron();
    expect(await env.DB.prepare("SELECT id FROM files WHERE id = ?").bind(loose.id).first()).toBeNull();
    expect(await stored(loose.key)).toBe(false);
    for (const f of [fresh, attached]) {
      expect(await env.DB.prepare("SELECT id FROM files WHERE id = ?").bind(f.id).first()).not.toBeNull();
      expect(await stored(f.key)).toBe(true);
    }
  });

  it("events expire after EVENTS_RETENTION_DAYS", async () => {
    const u = await registerUser("ev");
    const ids: number[] = [];
    for (const days of [31, 29]) {
      const row = await env.DB.prepare("INSERT INTO events (user_id, type, created_at) VALUES (?, 'test', ?) RETURNING id")
        .bind(u.id, new Date(Date.now() - days * 86_400_000).toISOString())
        .first<{ id: number }>();
      ids.push(row!.id);
    }
    await cron();
    const left = await env.DB.prepare("SELECT id FROM events WHERE user_id = ? ORDER BY id").bind(u.id).all<{ id: number }>();
    expect(left.results.map((r) => r.id)).toEqual([ids[1]]);
  });
});

describe("storage quota", () => {
  it("over USER_STORAGE_QUOTA_BYTES uploads get 413 quota_exceeded and store nothing", async () => {
    const u = await registerUser("quota");
    const quota = { USER_STORAGE_QUOTA_BYTES: "150000" } as unknown as Partial<Env>;
    const send = (size: number) => {
      const data = new Uint8Array(size);
      data.set(fx.png(10, 10));
      const form = fx.multipart([{ name: "file", filename: "a.png", data }]);
      return call("POST", "/files", u.token, quota, {
        body: form.body,
        headers: { "Content-Type": form.contentType, "Content-Length": String(form.body.length) },
      });
    };
    expect((await send(100_000)).status).toBe(201);
    const keys = (await env.DB.prepare("SELECT count(*) AS n FROM files WHERE uploader_id = ?").bind(u.id).first<{ n: number }>())!.n;
    // Found over the limit once the file is read: refused, the object dropped.
    const over = await send(60_000);
    expect(over.status).toBe(413);
    const body = await over.json<any>();
    expect(body).toMatchObject({ code: "quota_exceeded", used: 100_000, quota: 150_000 });
    expect(typeof body.request_id).toBe("string");
    expect((await send(40_000)).status).toBe(201);
    // Full: refused before the body is read.
    await env.DB.prepare("UPDATE files SET size = 150000 WHERE uploader_id = ?").bind(u.id).run();
    const full = await send(100);
    expect(full.status).toBe(413);
    expect(((await full.json()) as any).code).toBe("quota_exceeded");
    const count = (await env.DB.prepare("SELECT count(*) AS n FROM files WHERE uploader_id = ?").bind(u.id).first<{ n: number }>())!.n;
    expect(count).toBe(keys + 1);
    expectError({ status: 413, json: body }, 413, "quota_exceeded");
  });
});
