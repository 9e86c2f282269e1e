import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, expectError, registerUser, roomCast, type TestUser } from "./helpers";

const invite = (roomId: number, by: TestUser, userId: number) =>
  api("POST", `/chat-rooms/${roomId}/invitations`, { token: by.token, body: { user_id: userId } });
const processInv = (id: number, by: TestUser, status: string) =>
  api("POST", `/chat-rooms/invitations/${id}/process`, { token: by.token, body: { status } });
const newCode = (roomId: number, by: TestUser, body: Record<string, unknown> = {}) =>
  api("POST", `/chat-rooms/${roomId}/invite-codes`, { token: by.token, body });
const joinByCode = (user: TestUser, code: unknown) => api("POST", "/chat-rooms/join-by-code", { token: user.token, body: { code } });

async function status(roomId: number, userId: number) {
  const row = await env.DB.prepare("SELECT status FROM room_members WHERE room_id = ? AND user_id = ?").bind(roomId, userId).first<{ status: string }>();
  return row?.status ?? null;
}
const blockUser = (blocker: TestUser, blocked: TestUser) =>
  env.DB.prepare("INSERT INTO blocks (blocker_id, blocked_id) VALUES (?, ?)").bind(blocker.id, blocked.id).run();
const codeUses = async (code: string) =>
  (await env.DB.prepare("SELECT uses FROM invite_codes WHERE code = ?").bind(code).first<{ uses: number }>())!.uses;

describe("invitations", () => {
  it("owner, room admins and system admins add the user at once", async () => {
    const { room, owner, admin, sysadmin } = await roomCast();
    for (const by of [owner, admin, sysadmin]) {
      const u = await registerUser("inv");
      const res = await invite(room.id, by, u.id);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(res.json).toMatchObject({ member_added: true, status: "approved", inviter_id: by.id, invitee_id: u.id, invitee_name: u.username, processed_by_id: by.id });
      expect(await status(room.id, u.id)).toBe("active");
    }
  });

  it("a plain member's invitation waits for the owner or an admin", async () => {
    const { room, owner, admin, member } = await roomCast();
    const [u1, u2] = await Promise.all([registerUser("inv"), registerUser("inv")]);
    const p1 = await invite(room.id, member, u1.id);
    expect(p1.status).toBe(200);
    expect(p1.json).toMatchObject({ member_added: false, status: "pending", inviter_id: member.id, inviter_name: member.username, invitee_name: u1.username });
    expect(await status(room.id, u1.id)).toBeNull();
    const p2 = await invite(room.id, member, u2.id);

    const list = await api("GET", `/chat-rooms/${room.id}/invitations?status_filter=pending`, { token: admin.token });
    expect(list.status).toBe(200);
    expect(list.json.map((i: any) => [i.invitee_name, i.inviter_name])).toEqual([
      [u2.username, member.username],
      [u1.username, member.username],
    ]);
    expectError(await api("GET", `/chat-rooms/${room.id}/invitations`, { token: member.token }), 403);
    expectError(await processInv(p1.json.id, member, "approved"), 403);

    const ok = await processInv(p1.json.id, admin, "approved");
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(ok.json).toMatchObject({ status: "approved", processed_by_id: admin.id });
    expect(await status(room.id, u1.id)).toBe("active");
    expectError(await processInv(p1.json.id, owner, "rejected"), 400, "invitation_not_pending");

    const no = await processInv(p2.json.id, owner, "rejected");
    expect(no.json.status).toBe("rejected");
    expect(await status(room.id, u2.id)).toBeNull();
    const approved = await api("GET", `/chat-rooms/${room.id}/invitations?status_filter=approved`, { token: owner.token });
    expect(approved.json.map((i: any) => i.id)).toContain(p1.json.id);
    expect(approved.json.map((i: any) => i.id)).not.toContain(p2.json.id);
  });

  it("refuses self, unknown users, members, duplicates, banned, blocked and outsiders", async () => {
    const { room, owner, member, outsider } = await roomCast();
    expectError(await invite(room.id, owner, owner.id), 400, "cannot_invite_self");
    expectError(await invite(room.id, owner, 999_999_999), 404, "user_not_found");
    expectError(await invite(room.id, owner, member.id), 400, "already_member");
    expectError(await invite(room.id, outsider, owner.id), 403, "not_a_member");
    expectError(await invite(999_999_999, owner, outsider.id), 404);
    expectError(await api("POST", `/chat-rooms/${room.id}/invitations`, { token: owner.token, body: { user_id: [1] } }), 400, "invalid_request");

    const u = await registerUser("inv");
    expect((await invite(room.id, member, u.id)).status).toBe(200);
    expectError(await invite(room.id, member, u.id), 409, "invitation_pending");
    expectError(await invite(room.id, owner, u.id), 409, "invitation_pending");

    const banned = await registerUser("ban");
    await api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: { user_id: banned.id } });
    expectError(await invite(room.id, owner, banned.id), 403, "banned");

    // Either direction gives the same generic refusal.
    const [b1, b2] = await Promise.all([registerUser("blk"), registerUser("blk")]);
    await blockUser(b1, member);
    await blockUser(owner, b2);
    const r1 = await invite(room.id, member, b1.id);
    const r2 = await invite(room.id, owner, b2.id);
    expectError(r1, 403, "forbidden");
    expectError(r2, 403, "forbidden");
    expect(r1.json.detail).toBe(r2.json.detail);
    expect(await status(room.id, b1.id)).toBeNull();
    expect(await status(room.id, b2.id)).toBeNull();
  });

  it("concurrent invitations of one user by two members make one pending invitation", async () => {
    const { room, owner, member } = await roomCast();
    const m2 = await registerUser("mem");
    await invite(room.id, owner, m2.id);
    const u = await registerUser("inv");
    const both = await Promise.all([invite(room.id, member, u.id), invite(room.id, m2, u.id)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it("respects max_members when adding and when approving", async () => {
    const owner = await registerUser("own");
    const [m, u1, u2] = await Promise.all([registerUser("mem"), registerUser("inv"), registerUser("inv")]);
    const room = await createRoom(owner, { max_members: 3 });
    expect((await invite(room.id, owner, m.id)).status).toBe(200);
    const pending = await invite(room.id, m, u1.id);
    expect(pending.json.status).toBe("pending");
    expect((await invite(room.id, owner, u2.id)).status).toBe(200); // now 3 of 3
    expectError(await invite(room.id, owner, (await registerUser("x")).id), 409, "room_full");
    expectError(await processInv(pending.json.id, owner, "approved"), 409, "room_full");
    const still = await env.DB.prepare("SELECT status FROM room_invitations WHERE id = ?").bind(pending.json.id).first();
    expect(still).toMatchObject({ status: "pending" });
    expect(await status(room.id, u1.id)).toBeNull();
  });

  it("invitations of a dissolved group are gone (404); direct chats take no invitations", async () => {
    const { room, owner, member } = await roomCast();
    const u = await registerUser("inv");
    const p = await invite(room.id, member, u.id);
    expect((await api("DELETE", `/chat-rooms/${room.id}`, { token: owner.token })).status).toBe(204);
    expectError(await processInv(p.json.id, owner, "approved"), 404, "invitation_not_found");
    expectError(await invite(room.id, owner, u.id), 404);

    const dm = await api("POST", "/conversations/direct", { token: owner.token, body: { user_id: u.id } });
    expect(dm.status).toBe(200);
    expectError(await invite(dm.json.id, owner, member.id), 400, "direct_conversation");
    expectError(await newCode(dm.json.id, owner), 400, "direct_conversation");
    expectError(await processInv(999_999_999, owner, "approved"), 404, "invitation_not_found");
    expectError(await processInv(1, owner, "maybe"), 400, "invalid_request");
  });
});

describe("invite codes", () => {
  it("owner, admins and system admins create url-safe codes; members cannot", async () => {
    const { room, owner, admin, member, outsider, sysadmin } = await roomCast();
    for (const by of [owner, admin, sysadmin]) {
      const res = await newCode(room.id, by, { expires_in_seconds: 3600, max_uses: 5 });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(res.json.code).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(res.json).toMatchObject({ room_id: room.id, created_by_id: by.id, max_uses: 5, uses: 0, status: "active", revoked_at: null });
      const ttl = Date.parse(res.json.expires_at) - Date.now();
      expect(ttl).toBeGreaterThan(3500_000);
      expect(ttl).toBeLessThanOrEqual(3600_000);
    }
    expectError(await newCode(room.id, member), 403);
    expectError(await newCode(room.id, outsider), 403);
    // No body at all: the defaults (7 days, unlimited uses).
    const bare = await api("POST", `/chat-rooms/${room.id}/invite-codes`, { token: owner.token });
    expect(bare.status, JSON.stringify(bare.json)).toBe(200);
    expect(bare.json.max_uses).toBeNull();
    expect(Date.parse(bare.json.expires_at) - Date.now()).toBeGreaterThan(6 * 24 * 3600_000);
    for (const body of [{ expires_in_seconds: 0 }, { max_uses: 0 }, { expires_in_seconds: "soon" }, { extra: 1 }]) {
      expectError(await newCode(room.id, owner, body), 400, "invalid_request");
    }
    const list = await api("GET", `/chat-rooms/${room.id}/invite-codes`, { token: admin.token });
    expect(list.status).toBe(200);
    expect(list.json).toHaveLength(4);
    expectError(await api("GET", `/chat-rooms/${room.id}/invite-codes`, { token: member.token }), 403);
  });

  it("joins a private approval-only room without approval and counts the use", async () => {
    const { room, owner, member } = await roomCast({ visibility: "private" });
    const { json: code } = await newCode(room.id, owner);
    const u = await registerUser("joiner");
    const res = await joinByCode(u, code.code);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ id: room.id, my_role: "member" });
    expect(await status(room.id, u.id)).toBe("active");
    expect(await codeUses(code.code)).toBe(1);
    expectError(await joinByCode(u, code.code), 400, "already_member");
    expectError(await joinByCode(member, code.code), 400, "already_member");
    expect(await codeUses(code.code)).toBe(1);
  });

  it("unknown and garbage codes are 404 / 400", async () => {
    const u = await registerUser("joiner");
    expectError(await joinByCode(u, "no-such-code-at-all"), 404, "invite_code_not_found");
    expectError(await joinByCode(u, "'; DROP TABLE rooms; --"), 404, "invite_code_not_found");
    expectError(await joinByCode(u, ""), 400, "invalid_request");
    expectError(await joinByCode(u, "x".repeat(500)), 400, "invalid_request");
    expectError(await joinByCode(u, 12345), 400, "invalid_request");
    expectError(await api("POST", "/chat-rooms/join-by-code", { body: { code: "abc" } }), 401);
  });

  it("expired, revoked and used-up codes are 410 with distinct codes", async () => {
    const { room, owner, admin, member } = await roomCast();
    const [u1, u2, u3] = await Promise.all([registerUser("j"), registerUser("j"), registerUser("j")]);

    const expired = (await newCode(room.id, owner)).json.code;
    await env.DB.prepare("UPDATE invite_codes SET expires_at = '2000-01-01T00:00:00.000Z' WHERE code = ?").bind(expired).run();
    expectError(await joinByCode(u1, expired), 410, "invite_code_expired");

    const revoked = (await newCode(room.id, owner)).json.code;
    expectError(await api("DELETE", `/chat-rooms/${room.id}/invite-codes/${revoked}`, { token: member.token }), 403);
    expect((await api("DELETE", `/chat-rooms/${room.id}/invite-codes/${revoked}`, { token: admin.token })).status).toBe(204);
    expect((await api("DELETE", `/chat-rooms/${room.id}/invite-codes/${revoked}`, { token: owner.token })).status).toBe(204);
    expectError(await joinByCode(u1, revoked), 410, "invite_code_revoked");
    expectError(await api("DELETE", `/chat-rooms/${room.id}/invite-codes/nope`, { token: owner.token }), 404, "invite_code_not_found");
    const other = await createRoom(owner);
    expectError(await api("DELETE", `/chat-rooms/${other.id}/invite-codes/${expired}`, { token: owner.token }), 404, "invite_code_not_found");

    const once = (await newCode(room.id, owner, { max_uses: 1 })).json.code;
    expect((await joinByCode(u2, once)).status).toBe(200);
    expectError(await joinByCode(u3, once), 410, "invite_code_used_up");
    for (const u of [u1, u3]) expect(await status(room.id, u.id)).toBeNull();

    const list = await api("GET", `/chat-rooms/${room.id}/invite-codes`, { token: owner.token });
    const byCode = Object.fromEntries(list.json.map((c: any) => [c.code, c.status]));
    expect(byCode).toMatchObject({ [expired]: "expired", [revoked]: "revoked", [once]: "used_up" });
  });

  it("max_uses holds under concurrent joins", async () => {
    const { room, owner } = await roomCast();
    const code = (await newCode(room.id, owner, { max_uses: 2 })).json.code;
    const users = await Promise.all(Array.from({ length: 5 }, () => registerUser("j")));
    const results = await Promise.all(users.map((u) => joinByCode(u, code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 410, "invite_code_used_up");
    expect(await codeUses(code)).toBe(2);
    const active = await env.DB.prepare(`SELECT count(*) AS n FROM room_members WHERE room_id = ? AND status = 'active'`).bind(room.id).first<{ n: number }>();
    expect(active!.n).toBe(3 + 2);
  });

  it("respects max_members, bans and blocks without counting a use", async () => {
    const owner = await registerUser("own");
    const room = await createRoom(owner, { max_members: 2 });
    const code = (await newCode(room.id, owner)).json.code;
    const [u1, u2, banned, blocker] = await Promise.all([registerUser("j"), registerUser("j"), registerUser("b"), registerUser("k")]);

    await api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: { user_id: banned.id } });
    expectError(await joinByCode(banned, code), 403, "banned");
    await blockUser(blocker, owner);
    expectError(await joinByCode(blocker, code), 403, "forbidden");
    expect(await codeUses(code)).toBe(0);

    expect((await joinByCode(u1, code)).status).toBe(200);
    expectError(await joinByCode(u2, code), 409, "room_full");
    expect(await codeUses(code)).toBe(1);
    for (const u of [u2, banned, blocker]) expect(await status(room.id, u.id)).toBeNull();
  });

  it("a dissolved group's codes stop working (404)", async () => {
    const owner = await registerUser("own");
    const room = await createRoom(owner);
    const code = (await newCode(room.id, owner)).json.code;
    expect((await api("DELETE", `/chat-rooms/${room.id}`, { token: owner.token })).status).toBe(204);
    expectError(await joinByCode(await registerUser("j"), code), 404, "invite_code_not_found");
    expectError(await newCode(room.id, owner), 404);
  });
});
