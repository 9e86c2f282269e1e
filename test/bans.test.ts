import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, expectError, registerUser, roomCast } from "./helpers";

const ban = (room: { id: number }, by: { token: string }, userId: number, reason?: string) =>
  api("POST", `/chat-rooms/${room.id}/bans`, { token: by.token, body: { user_id: userId, ...(reason && { reason }) } });

async function membership(roomId: number, userId: number) {
  return env.DB.prepare("SELECT status, role FROM room_members WHERE room_id = ? AND user_id = ?").bind(roomId, userId).first<{ status: string; role: string }>();
}

describe("bans", () => {
  it("owner bans a member: membership ends, ban listed, the user cannot come back", async () => {
    const { room, owner, member } = await roomCast({ require_approval: false });
    const res = await ban(room, owner, member.id, "spam");
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ room_id: room.id, user_id: member.id, username: member.username, reason: "spam", banned_by_id: owner.id, banned_by_name: owner.username });
    expect(await membership(room.id, member.id)).toMatchObject({ status: "inactive", role: "member" });

    const list = await api("GET", `/chat-rooms/${room.id}/bans`, { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.json.map((b: any) => b.user_id)).toEqual([member.id]);

    expectError(await api("GET", `/chat-rooms/${room.id}`, { token: member.token }), 403, "not_a_member");
    // Auto-approved room: without the ban check this would admit them again.
    expectError(await api("POST", `/chat-rooms/${room.id}/join-request`, { token: member.token, body: {} }), 403, "banned");
    expect(await membership(room.id, member.id)).toMatchObject({ status: "inactive" });
  });

  it("rejects the banned user's pending join request and invitation in the same write", async () => {
    const { room, owner, member, outsider } = await roomCast();
    const applied = await api("POST", `/chat-rooms/${room.id}/join-request`, { token: outsider.token, body: {} });
    expect(applied.json.status).toBe("pending");
    const other = await registerUser("inv");
    const invited = await api("POST", `/chat-rooms/${room.id}/invitations`, { token: member.token, body: { user_id: other.id } });
    expect(invited.json.status).toBe("pending");

    expect((await ban(room, owner, outsider.id)).status).toBe(200);
    expect((await ban(room, owner, other.id)).status).toBe(200);
    const req = await env.DB.prepare("SELECT status, processed_by_id FROM join_requests WHERE id = ?").bind(applied.json.id).first();
    expect(req).toMatchObject({ status: "rejected", processed_by_id: owner.id });
    const inv = await env.DB.prepare("SELECT status FROM room_invitations WHERE id = ?").bind(invited.json.id).first();
    expect(inv).toMatchObject({ status: "rejected" });
    // Approving the old request is now refused as already processed, not silently re-admitting.
    expectError(await api("POST", `/chat-rooms/join-requests/${applied.json.id}/process`, { token: owner.token, body: { status: "approved" } }), 400, "request_not_pending");
  });

  it("follows the member-removal rules", async () => {
    const { room, owner, admin, member, outsider, sysadmin } = await roomCast();
    // Plain members and outsiders cannot ban.
    expectError(await ban(room, member, outsider.id), 403);
    expectError(await ban(room, outsider, member.id), 403);
    // Room admins: plain members and non-members only.
    expectError(await ban(room, admin, owner.id), 403, "cannot_ban_owner");
    const admin2 = await registerUser("adm2");
    await api("POST", `/chat-rooms/${room.id}/invitations`, { token: owner.token, body: { user_id: admin2.id } });
    await api("PUT", `/chat-rooms/${room.id}/members/${admin2.id}/set-role`, { token: owner.token, body: { role: "admin" } });
    expectError(await ban(room, admin, admin2.id), 403, "forbidden");
    expect((await ban(room, admin, outsider.id)).status).toBe(200);
    expect((await ban(room, admin, member.id)).status).toBe(200);
    // The owner and system admins: anyone but the owner.
    expectError(await ban(room, sysadmin, owner.id), 403, "cannot_ban_owner");
    expect((await ban(room, sysadmin, admin2.id)).status).toBe(200);
    expect((await ban(room, owner, admin.id)).status).toBe(200);
    expect(await membership(room.id, admin.id)).toMatchObject({ status: "inactive", role: "member" });
  });

  it("refuses bad input with clear codes", async () => {
    const { room, owner, member } = await roomCast();
    expectError(await ban(room, owner, owner.id), 400, "cannot_ban_self");
    expectError(await ban(room, owner, 999_999_999), 404, "user_not_found");
    expectError(await ban({ id: 999_999_999 }, owner, member.id), 404);
    expectError(await api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: { user_id: "x" } }), 400, "invalid_request");
    expectError(await api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: {} }), 400, "invalid_request");
    expectError(await api("POST", `/chat-rooms/abc/bans`, { token: owner.token, body: { user_id: member.id } }), 400, "invalid_request");
    expectError(await api("GET", `/chat-rooms/${room.id}/bans`), 401);
    expectError(await api("GET", `/chat-rooms/${room.id}/bans`, { token: member.token }), 403);
  });

  it("a second ban of the same user is 409, also when both race", async () => {
    const { room, owner, admin, member } = await roomCast();
    const both = await Promise.all([ban(room, owner, member.id), ban(room, admin, member.id)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expectError(await ban(room, owner, member.id), 409, "already_banned");
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM room_bans WHERE room_id = ? AND user_id = ?").bind(room.id, member.id).first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });

  it("lifting a ban lets the user apply again but does not restore the membership", async () => {
    const { room, owner, member, outsider } = await roomCast({ require_approval: false });
    await ban(room, owner, member.id);
    expectError(await api("DELETE", `/chat-rooms/${room.id}/bans/${member.id}`, { token: outsider.token }), 403);
    const lifted = await api("DELETE", `/chat-rooms/${room.id}/bans/${member.id}`, { token: owner.token });
    expect(lifted.status).toBe(204);
    expect(await membership(room.id, member.id)).toMatchObject({ status: "inactive" });
    expectError(await api("DELETE", `/chat-rooms/${room.id}/bans/${member.id}`, { token: owner.token }), 404, "ban_not_found");
    const again = await api("POST", `/chat-rooms/${room.id}/join-request`, { token: member.token, body: {} });
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    expect(await membership(room.id, member.id)).toMatchObject({ status: "active" });
  });

  it("bans go with a deleted room; a deleted room answers 404", async () => {
    const owner = await registerUser("own");
    const member = await registerUser("mem");
    const room = await createRoom(owner);
    await ban(room, owner, member.id);
    expect((await api("DELETE", `/chat-rooms/${room.id}`, { token: owner.token })).status).toBe(204);
    expectError(await api("GET", `/chat-rooms/${room.id}/bans`, { token: owner.token }), 404);
    expectError(await api("DELETE", `/chat-rooms/${room.id}/bans/${member.id}`, { token: owner.token }), 404);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM room_bans WHERE room_id = ?").bind(room.id).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });
});
