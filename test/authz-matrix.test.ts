// The authorization matrix: walks every operation of the OpenAPI document and calls it as each kind
// of caller in test/authz-table.ts, against a real room and its records; every status must be the
// table's, and every operation must have a row.
import { describe, expect, it } from "vitest";
import { api, createRoom, registerUser } from "./helpers";
import * as fx from "./media-fixtures";
import { MATRIX, type Caller } from "./authz-table";

type Fixture = { ids: Record<string, string>; tokens: Record<Caller, string | undefined> };

async function fixture(): Promise<Fixture> {
  const [owner, member, outsider, applicant, invitee] = await Promise.all(["own", "mem", "out", "app", "inv"].map((p) => registerUser(p)));
  const room = await createRoom(owner, { require_approval: true });
  const applied = await api("POST", `/chat-rooms/${room.id}/join-request`, { token: member.token, body: {} });
  await api("POST", `/chat-rooms/join-requests/${applied.json.id}/process`, { token: owner.token, body: { status: "approved" } });
  const pending = await api("POST", `/chat-rooms/${room.id}/join-request`, { token: applicant.token, body: {} });
  const invited = await api("POST", `/chat-rooms/${room.id}/invitations`, { token: member.token, body: { user_id: invitee.id } });
  const msg = await api("POST", `/chatrooms/${room.id}/messages/`, { token: owner.token, body: { content_text: "hello" } });
  const code = await api("POST", `/chat-rooms/${room.id}/invite-codes`, { token: owner.token, body: {} });
  const form = fx.multipart([{ name: "file", filename: "a.png", data: fx.png(4, 4) }, { name: "room_id", data: String(room.id) }]);
  const file = await api("POST", "/files", { token: owner.token, raw: form.body, headers: { "Content-Type": form.contentType } });
  for (const r of [applied, pending, invited, msg, code, file]) expect(r.status, JSON.stringify(r.json)).toBeLessThan(300);
  return {
    ids: {
      room_id: String(room.id),
      message_id: String(msg.json.id),
      member_id: String(member.id),
      user_id: String(member.id),
      request_id: String(pending.json.id),
      invitation_id: String(invited.json.id),
      code: code.json.code,
      file_id: String(file.json.id),
      emoji: encodeURIComponent("👍"),
      template_id: "1",
      notification_id: "1",
      broadcast_id: "1",
      session_id: "no-such-session",
    },
    tokens: { anonymous: undefined, outsider: outsider.token },
  };
}

describe("authorization matrix", () => {
  it("every operation answers each kind of caller as the table says", async () => {
    const doc = (await api("GET", "/openapi.json")).json as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(doc.paths).flatMap(([p, m]) => Object.keys(m).map((k) => `${k} ${p.replace(/^\/api\/v1/, "")}`));
    expect(ops.length).toBeGreaterThan(100);
    expect(ops.filter((op) => !MATRIX[op]), "operations missing from test/authz-table.ts").toEqual([]);
    expect(Object.keys(MATRIX).filter((op) => !ops.includes(op)), "rows for operations that no longer exist").toEqual([]);

    const f = await fixture();
    const wrong: string[] = [];
    for (const op of ops) {
      const [method, template] = op.split(" ");
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => f.ids[name] ?? "1");
      for (const [caller, expected] of Object.entries(MATRIX[op]) as [Caller, number][]) {
        const headers: Record<string, string> = path.endsWith("/ws") ? { Upgrade: "websocket" } : {};
        const res = await api(method.toUpperCase(), path, { token: f.tokens[caller], headers, ...(method === "get" || method === "delete" ? {} : { body: {} }) });
        if (res.status !== expected) wrong.push(`${op} as ${caller}: ${res.status} (table: ${expected}) ${JSON.stringify(res.json)?.slice(0, 120)}`);
        if (res.status >= 400 && res.status !== 101) expect(typeof res.json?.code, `${op} as ${caller}: error body`).toBe("string");
      }
    }
    expect(wrong).toEqual([]);
  });
});

