// The OpenAPI document is fit for code generators: every operation named once, public routes
// marked public, and the committed copy the client's types are generated from (client/openapi.json)
// is exactly what the worker serves.
import { describe, expect, it } from "vitest";
import { deriveOperationId } from "../src/http/openapi";
import { api } from "./helpers";

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;
type Op = { operationId?: string; security?: Record<string, string[]>[] };

async function operations() {
  const res = await api("GET", "/openapi.json");
  expect(res.status).toBe(200);
  const doc = res.json;
  const ops: { method: string; path: string; op: Op }[] = [];
  for (const [path, item] of Object.entries<Record<string, Op>>(doc.paths))
    for (const method of METHODS) if (item[method]) ops.push({ method, path, op: item[method] });
  return { doc, ops };
}

describe("OpenAPI document", () => {
  it("names every operation with a unique, stable operationId", async () => {
    const { ops } = await operations();
    expect(ops.length).toBeGreaterThan(100);
    const ids = ops.map((o) => o.op.operationId);
    for (const { method, path, op } of ops) expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z0-9]*$/);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(dupes).toEqual([]);
    // Named routes keep their names; the rest follow method and path.
    const byPath = (m: string, p: string) => ops.find((o) => o.method === m && o.path === p)!.op.operationId;
    expect(byPath("post", "/api/v1/auth/login")).toBe("login");
    expect(byPath("get", "/api/v1/chat-rooms/{room_id}/messages")).toBe("getChatRoomsByRoomIdMessages");
    expect(deriveOperationId("put", "/api/v1/chat-rooms/{room_id}/messages/{message_id}/reactions/{emoji}")).toBe(
      "putChatRoomsByRoomIdMessagesByMessageIdReactionsByEmoji",
    );
  });

  it("marks public routes security: [] and leaves the rest to the Bearer default", async () => {
    const { doc, ops } = await operations();
    expect(doc.security).toEqual([{ Bearer: [] }]);
    const sec = (m: string, p: string) => ops.find((o) => o.method === m && o.path === `/api/v1${p}`)?.op.security;
    for (const [m, p] of [
      ["post", "/auth/register"],
      ["post", "/auth/login"],
      ["post", "/auth/login/access-token"],
      ["get", "/health"],
      ["get", "/openapi.json"],
      ["get", "/docs"],
      ["get", "/avatars/{file_id}"],
    ])
      expect(sec(m, p), `${m} ${p}`).toEqual([]);
    // A signed download needs no token; without a signature it takes one (either is fine).
    expect(sec("get", "/files/{file_id}")).toEqual([{ Bearer: [] }, {}]);
    expect(sec("get", "/users/me")).toBeUndefined();
    // Every operation marked public really answers without a token (no 401).
    for (const { method, path, op } of ops) {
      if (!op.security || op.security.length) continue;
      if (path.includes("{") || method !== "get") continue;
      const res = await api("GET", path.replace("/api/v1", ""));
      expect(res.status, path).not.toBe(401);
    }
  });

  it("the committed client/openapi.json is the served document (npm test -- -u rewrites it)", async () => {
    const { doc } = await operations();
    await expect(`${JSON.stringify(doc, null, 2)}\n`).toMatchFileSnapshot("../client/openapi.json");
  });
});
