import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { abortIf, getDb, isAbort } from "../src/db/client";
import { users as usersTable } from "../src/db/schema";
import { memberPage } from "../src/members/queries";
import { api, bulkUsers, createRoom, expectError, join, matrix, registerUser, roomCast, uniq, type TestUser } from "./helpers";
import { befriend } from "./social";

async function membership(roomId: number, userId: number) {
  return env.DB.prepare("SELECT role, status FROM room_members WHERE room_id = ? AND user_id = ?").bind(roomId, userId).first<{ role: string; status: string }>();
}
const setRole = (roomId: number, memberId: number, token: string, role: unknown) =>
  api("PUT", `/chat-rooms/${roomId}/members/${memberId}/set-role`, { token, body: { role } });
const remove = (roomId: number, memberId: number, token: string) => api("DELETE", `/chat-rooms/${roomId}/members/${memberId}`, { token });
const transfer = (roomId: number, token: string, user_id: unknown) => api("POST", `/chat-rooms/${roomId}/transfer-owner`, { token, body: { user_id } });
const leave = (roomId: number, user: TestUser) => api("POST", `/chat-rooms/${roomId}/leave`, { token: user.token });

describe("GET /chat-rooms/{room_id}/members", () => {
  it("owner, room admin, member and system admin list; an outsider gets 403", async () => {
    for (const visibility of ["public", "private"]) {
      const cast = await roomCast({ visibility });
      await matrix(cast, { owner: 200, admin: 200, member: 200, sysadmin: 200, outsider: 403 }, (token) =>
        api("GET", `/chat-rooms/${cast.room.id}/members`, { token }),
      );
    }
  });

  it("lists active members only, owner first, then admins, with the ChatRoomMemberResponse shape", async () => {
    const cast = await roomCast();
    const gone = await registerUser("gone");
    await join(cast.room, cast.owner, gone);
    expect((await leave(cast.room.id, gone)).status).toBe(204);
    const res = await api("GET", `/chatrooms/${cast.room.id}/members`, { token: cast.member.token });
    expect(res.status).toBe(200);
    expect(res.json.map((m: { member_id: number }) => m.member_id)).toEqual([cast.owner.id, cast.admin.id, cast.member.id]);
    expect(res.json.map((m: { role: string }) => m.role)).toEqual(["owner", "admin", "member"]);
    expect(res.json[2]).toMatchObject({ room_id: cast.room.id, member_name: cast.member.username, status: "active" });
    expect(res.json[2]).toHaveProperty("member_email");
    expect(res.json[2].joined_at).toMatch(/Z$/);
    expect(res.json[2]).toHaveProperty("last_active_at");
    const page = await api("GET", `/chat-rooms/${cast.room.id}/members?limit=1&offset=1`, { token: cast.owner.token });
    expect(page.json.map((m: { member_id: number }) => m.member_id)).toEqual([cast.admin.id]);
  });

  it("a page is read in list order off the roster index, with no sort of the whole room", async () => {
    const cast = await roomCast();
    const { sql, params } = memberPage(getDb(env.DB), cast.room.id, { limit: 20, offset: 40 }).toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const details = plan.results.map((r) => r.detail).join("; ");
    expect(details).toContain("USING INDEX room_members_roster_idx");
    expect(details).not.toContain("TEMP B-TREE");
  });

  it("404 for an unknown room, 400 for a bad id or page, 401 without a token", async () => {
    const u = await registerUser("m");
    expectError(await api("GET", "/chat-rooms/999999999/members", { token: u.token }), 404);
    expectError(await api("GET", "/chatrooms/abc/members", { token: u.token }), 400, "invalid_request");
    const room = await createRoom(u);
    expectError(await api("GET", `/chat-rooms/${room.id}/members?limit=500`, { token: u.token }), 400, "invalid_request");
    expectError(await api("GET", `/chat-rooms/${room.id}/members`), 401);
  });
});

describe("POST /chat-rooms/{room_id}/members (add in bulk)", () => {
  const add = (roomId: number, token: string, user_ids: unknown) => api("POST", `/chat-rooms/${roomId}/members`, { token, body: { user_ids } });
  const active = async (roomId: number) =>
    ((await env.DB.prepare("SELECT user_id FROM room_members WHERE room_id = ? AND status = 'active' ORDER BY user_id").bind(roomId).all<{ user_id: number }>()).results.map((r) => r.user_id));

  it("owner, room admins and system admins add several users at once; members already in are skipped", async () => {
    const cast = await roomCast();
    const users = await Promise.all([1, 2, 3, 4].map(() => registerUser("bulk")));
    const res = await add(cast.room.id, cast.owner.token, [users[0].id, users[1].id, cast.member.id]);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.added.map((m: { member_id: number }) => m.member_id)).toEqual([users[0].id, users[1].id]);
    expect(res.json.added[0]).toMatchObject({ room_id: cast.room.id, role: "member", status: "active" });
    expect(res.json.already_members).toEqual([cast.member.id]);
    expect((await add(cast.room.id, cast.admin.token, [users[2].id])).status).toBe(200);
    expect((await add(cast.room.id, cast.sysadmin.token, [users[3].id])).status).toBe(200);
    expect(await active(cast.room.id)).toEqual(expect.arrayContaining(users.map((u) => u.id)));
    // Who added whom is kept as approved invitations.
    const invitations = await api("GET", `/chat-rooms/${cast.room.id}/invitations`, { token: cast.owner.token });
    expect(invitations.json.filter((i: { status: string }) => i.status === "approved")).toHaveLength(4);
    // A pending invitation for a user added this way is approved, not left dangling.
    const invited = await registerUser("inv");
    expect((await api("POST", `/chat-rooms/${cast.room.id}/invitations`, { token: cast.member.token, body: { user_id: invited.id } })).status).toBe(200);
    expect((await add(cast.room.id, cast.owner.token, [invited.id])).status).toBe(200);
    const mine = (await api("GET", `/chat-rooms/${cast.room.id}/invitations`, { token: cast.owner.token })).json.filter(
      (i: { invitee_id: number }) => i.invitee_id === invited.id,
    );
    expect(mine.map((i: { status: string }) => i.status)).toEqual(["approved"]);
  });

  it("plain members and outsiders get 403; nothing is added", async () => {
    const cast = await roomCast();
    const u = await registerUser("bulk");
    expectError(await add(cast.room.id, cast.member.token, [u.id]), 403);
    expectError(await add(cast.room.id, cast.outsider.token, [u.id]), 403);
    expect(await active(cast.room.id)).not.toContain(u.id);
  });

  it("all or none: an unknown, banned or blocked user, or too many for the room, adds nobody", async () => {
    const owner = await registerUser("own");
    const room = await createRoom(owner, { max_members: 4, require_approval: false });
    const [ok, banned, blocker, extra1, extra2, extra3] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => registerUser("bulk")));
    expect((await api("POST", `/chat-rooms/${room.id}/bans`, { token: owner.token, body: { user_id: banned.id } })).status).toBe(200);
    expect((await api("POST", `/users/${owner.id}/block`, { token: blocker.token })).status).toBe(200);
    const res = await add(room.id, owner.token, [ok.id, 999999999, 999999998]);
    expectError(res, 404, "user_not_found");
    expect(res.json.detail).toContain("999999999");
    expectError(await add(room.id, owner.token, [ok.id, banned.id]), 403, "banned");
    expectError(await add(room.id, owner.token, [ok.id, blocker.id]), 403, "cannot_add_user");
    // The owner plus four would exceed max_members = 4.
    expectError(await add(room.id, owner.token, [ok.id, extra1.id, extra2.id, extra3.id]), 409, "room_full");
    expect(await active(room.id)).toEqual([owner.id]);
    expect((await add(room.id, owner.token, [ok.id, extra1.id, extra2.id])).status).toBe(200);
    expect(await active(room.id)).toHaveLength(4);
  });

  it("400 for an empty, duplicated, oversized or malformed list; 404 unknown room; 401 without a token", async () => {
    const cast = await roomCast();
    for (const bad of [[], [cast.member.id, cast.member.id], Array.from({ length: 101 }, (_, i) => i + 1), ["1"], [0], "1,2"])
      expectError(await add(cast.room.id, cast.owner.token, bad), 400, "invalid_request");
    expectError(await api("POST", `/chat-rooms/${cast.room.id}/members`, { token: cast.owner.token, body: { user_ids: [1], extra: 1 } }), 400, "invalid_request");
    expectError(await add(999999999, cast.owner.token, [cast.member.id]), 404);
    expectError(await api("POST", `/chat-rooms/${cast.room.id}/members`, { body: { user_ids: [1] } }), 401);
  });

  it("the all-or-none guard (abortIf) rolls back every statement of its batch", async () => {
    const u = await registerUser("abort");
    const db = getDb(env.DB);
    const rename = (name: string) => db.update(usersTable).set({ displayName: name }).where(eq(usersTable.id, u.id));
    await expect(db.batch([rename("changed"), abortIf(db, sql`1 = 1`)])).rejects.toSatisfy(isAbort);
    expect((await env.DB.prepare("SELECT display_name FROM users WHERE id = ?").bind(u.id).first<{ display_name: string | null }>())?.display_name).toBeNull();
    await db.batch([rename("kept"), abortIf(db, sql`1 = 0`)]);
    expect((await env.DB.prepare("SELECT display_name FROM users WHERE id = ?").bind(u.id).first<{ display_name: string | null }>())?.display_name).toBe("kept");
  });
});

describe("PUT /chat-rooms/{room_id}/members/{member_id}/set-role", () => {
  it("only the owner and system admins change roles", async () => {
    const cast = await roomCast();
    await matrix(cast, { admin: 403, member: 403, outsider: 403 }, (token) => setRole(cast.room.id, cast.member.id, token, "admin"));
    expect(await membership(cast.room.id, cast.member.id)).toEqual({ role: "member", status: "active" });

    const res = await setRole(cast.room.id, cast.member.id, cast.owner.token, "admin");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ member_id: cast.member.id, role: "admin", room_id: cast.room.id });
    expect(await membership(cast.room.id, cast.member.id)).toEqual({ role: "admin", status: "active" });
    const back = await setRole(cast.room.id, cast.member.id, cast.sysadmin.token, "member");
    expect(back.status).toBe(200);
    expect(await membership(cast.room.id, cast.member.id)).toEqual({ role: "member", status: "active" });
  });

  it("never on oneself or on the owner", async () => {
    const cast = await roomCast();
    expectError(await setRole(cast.room.id, cast.owner.id, cast.owner.token, "member"), 403, "cannot_change_own_role");
    expectError(await setRole(cast.room.id, cast.owner.id, cast.sysadmin.token, "admin"), 403, "cannot_change_owner");
    expect(await membership(cast.room.id, cast.owner.id)).toEqual({ role: "owner", status: "active" });
  });

  it("400 for an invalid role; nothing changes", async () => {
    const cast = await roomCast();
    for (const role of ["owner", "superuser", "", 1, null]) {
      expectError(await setRole(cast.room.id, cast.member.id, cast.owner.token, role), 400, "invalid_request");
    }
    expectError(await api("PUT", `/chat-rooms/${cast.room.id}/members/${cast.member.id}/set-role`, { token: cast.owner.token, body: {} }), 400);
    expectError(await setRole(cast.room.id, Number.NaN, cast.owner.token, "admin"), 400, "invalid_request");
    expect(await membership(cast.room.id, cast.member.id)).toEqual({ role: "member", status: "active" });
  });

  it("404 when the target is not an active member or the room does not exist; 401 without a token", async () => {
    const cast = await roomCast();
    expectError(await setRole(cast.room.id, cast.outsider.id, cast.owner.token, "admin"), 404, "member_not_found");
    expectError(await setRole(999999999, cast.member.id, cast.owner.token, "admin"), 404);
    expectError(await api("PUT", `/chat-rooms/${cast.room.id}/members/${cast.member.id}/set-role`, { body: { role: "admin" } }), 401);
    expect(await membership(cast.room.id, cast.outsider.id)).toBeNull();
  });
});

describe("DELETE /chat-rooms/{room_id}/members/{member_id}", () => {
  it("removing a plain member: member, outsider 403; owner, room admin, system admin 204", async () => {
    const cast = await roomCast();
    const victims = await Promise.all([1, 2, 3].map(() => registerUser("vic")));
    for (const v of victims) await join(cast.room, cast.owner, v);
    await matrix(cast, { member: 403, outsider: 403 }, (token) => remove(cast.room.id, victims[0].id, token));
    expect(await membership(cast.room.id, victims[0].id)).toEqual({ role: "member", status: "active" });
    let i = 0;
    await matrix(cast, { owner: 204, admin: 204, sysadmin: 204 }, (token) => remove(cast.room.id, victims[i++].id, token));
    for (const v of victims) expect(await membership(cast.room.id, v.id)).toEqual({ role: "member", status: "inactive" });
    const list = await api("GET", `/chat-rooms/${cast.room.id}/members`, { token: cast.owner.token });
    expect(list.json).toHaveLength(3);
    // Removed members lose access at once, and may apply again.
    expectError(await api("GET", `/chat-rooms/${cast.room.id}`, { token: victims[0].token }), 403);
    expect((await api("POST", `/chat-rooms/${cast.room.id}/join-request`, { token: victims[0].token, body: {} })).status).toBe(200);
  });

  it("removing a room admin: only the owner and system admins; a room admin gets 403", async () => {
    const cast = await roomCast();
    const admin2 = await registerUser("adm");
    await join(cast.room, cast.owner, admin2);
    expect((await setRole(cast.room.id, admin2.id, cast.owner.token, "admin")).status).toBe(200);
    await matrix(cast, { admin: 403, member: 403, outsider: 403 }, (token) => remove(cast.room.id, admin2.id, token));
    expect(await membership(cast.room.id, admin2.id)).toEqual({ role: "admin", status: "active" });
    expect((await remove(cast.room.id, admin2.id, cast.sysadmin.token)).status).toBe(204);
    expect((await remove(cast.room.id, cast.admin.id, cast.owner.token)).status).toBe(204);
    expect(await membership(cast.room.id, cast.admin.id)).toEqual({ role: "member", status: "inactive" });
  });

  it("nobody removes the owner, not even the owner or a system admin", async () => {
    const cast = await roomCast();
    await matrix(cast, { owner: 403, sysadmin: 403, admin: 403, member: 403, outsider: 403 }, (token) => remove(cast.room.id, cast.owner.id, token));
    expect(await membership(cast.room.id, cast.owner.id)).toEqual({ role: "owner", status: "active" });
  });

  it("members and room admins may remove themselves", async () => {
    const cast = await roomCast();
    expect((await remove(cast.room.id, cast.member.id, cast.member.token)).status).toBe(204);
    expect((await remove(cast.room.id, cast.admin.id, cast.admin.token)).status).toBe(204);
    expect(await membership(cast.room.id, cast.member.id)).toEqual({ role: "member", status: "inactive" });
    expect(await membership(cast.room.id, cast.admin.id)).toEqual({ role: "member", status: "inactive" });
  });

  it("404 for a non-member target or an unknown room, 400 for bad ids, 401 without a token", async () => {
    const cast = await roomCast();
    expectError(await remove(cast.room.id, cast.outsider.id, cast.owner.token), 404, "member_not_found");
    expectError(await remove(cast.room.id, cast.outsider.id, cast.outsider.token), 404, "member_not_found");
    expectError(await remove(999999999, cast.member.id, cast.owner.token), 404);
    expectError(await api("DELETE", `/chat-rooms/${cast.room.id}/members/me`, { token: cast.owner.token }), 400, "invalid_request");
    expectError(await api("DELETE", `/chat-rooms/${cast.room.id}/members/${cast.member.id}`), 401);
    expect(await membership(cast.room.id, cast.member.id)).toEqual({ role: "member", status: "active" });
  });
});

describe("POST /chat-rooms/{room_id}/leave", () => {
  it("members and room admins leave; the owner cannot; outsiders are not members", async () => {
    const cast = await roomCast();
    expectError(await leave(cast.room.id, cast.owner), 403, "owner_cannot_leave");
    expectError(await leave(cast.room.id, cast.outsider), 404, "not_a_member");
    expectError(await leave(cast.room.id, cast.sysadmin), 404, "not_a_member");
    expect((await leave(cast.room.id, cast.member)).status).toBe(204);
    expect((await leave(cast.room.id, cast.admin)).status).toBe(204);
    expect(await membership(cast.room.id, cast.member.id)).toEqual({ role: "member", status: "inactive" });
    expect(await membership(cast.room.id, cast.admin.id)).toEqual({ role: "member", status: "inactive" });
    expect(await membership(cast.room.id, cast.owner.id)).toEqual({ role: "owner", status: "active" });
    expectError(await leave(cast.room.id, cast.member), 404, "not_a_member");
    expect((await api("GET", `/chat-rooms/${cast.room.id}`, { token: cast.owner.token })).json.members_count).toBe(1);
  });

  it("404 for an unknown room, 400 for a bad id, 401 without a token", async () => {
    const u = await registerUser("l");
    expectError(await leave(999999999, u), 404);
    expectError(await api("POST", "/chat-rooms/abc/leave", { token: u.token }), 400, "invalid_request");
    const room = await createRoom(u);
    expectError(await api("POST", `/chat-rooms/${room.id}/leave`), 401);
  });
});

describe("POST /chat-rooms/{room_id}/transfer-owner", () => {
  it("hands the room to an active member; the old owner becomes an admin", async () => {
    const cast = await roomCast();
    const res = await transfer(cast.room.id, cast.owner.token, cast.member.id);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ member_id: cast.member.id, role: "owner" });
    expect(await membership(cast.room.id, cast.member.id)).toEqual({ role: "owner", status: "active" });
    expect(await membership(cast.room.id, cast.owner.id)).toEqual({ role: "admin", status: "active" });
    const room = await api("GET", `/chat-rooms/${cast.room.id}`, { token: cast.member.token });
    expect(room.json).toMatchObject({ creator_id: cast.member.id, creator_name: cast.member.username, my_role: "owner" });
    // The powers move with it.
    expectError(await api("PUT", `/chat-rooms/${cast.room.id}`, { token: cast.owner.token, body: { description: "old owner" } }), 403);
    expect((await api("PUT", `/chat-rooms/${cast.room.id}`, { token: cast.member.token, body: { description: "new owner" } })).status).toBe(200);
    expectError(await leave(cast.room.id, cast.member), 403, "owner_cannot_leave");
    expect((await leave(cast.room.id, cast.owner)).status).toBe(204);
  });

  it("room admins, members and outsiders get 403; a system admin may transfer", async () => {
    const cast = await roomCast();
    await matrix(cast, { admin: 403, member: 403, outsider: 403 }, (token) => transfer(cast.room.id, token, cast.admin.id));
    expect(await membership(cast.room.id, cast.owner.id)).toEqual({ role: "owner", status: "active" });
    expect((await transfer(cast.room.id, cast.sysadmin.token, cast.admin.id)).status).toBe(200);
    expect(await membership(cast.room.id, cast.admin.id)).toEqual({ role: "owner", status: "active" });
    expect(await membership(cast.room.id, cast.owner.id)).toEqual({ role: "admin", status: "active" });
  });

  it("404 when the target is not an active member, 400 for the current owner or bad input", async () => {
    const cast = await roomCast();
    expectError(await transfer(cast.room.id, cast.owner.token, cast.outsider.id), 404, "member_not_found");
    expectError(await transfer(cast.room.id, cast.owner.token, 999999999), 404, "member_not_found");
    expectError(await transfer(cast.room.id, cast.owner.token, cast.owner.id), 400, "already_owner");
    for (const bad of ["x", -1, 0, 1.5, null]) expectError(await transfer(cast.room.id, cast.owner.token, bad), 400, "invalid_request");
    expectError(await api("POST", `/chat-rooms/${cast.room.id}/transfer-owner`, { token: cast.owner.token, body: {} }), 400, "invalid_request");
    expect(await membership(cast.room.id, cast.owner.id)).toEqual({ role: "owner", status: "active" });
    expect((await api("GET", `/chat-rooms/${cast.room.id}`, { token: cast.owner.token })).json.creator_id).toBe(cast.owner.id);
  });

  it("concurrent transfers to different members leave exactly one owner", async () => {
    const cast = await roomCast();
    const results = await Promise.all([
      transfer(cast.room.id, cast.owner.token, cast.member.id),
      transfer(cast.room.id, cast.sysadmin.token, cast.admin.id),
    ]);
    // Usually they race (one 409); if they happen to run one after the other, both succeed.
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(0);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 409, "ownership_changed");
    const owners = await env.DB.prepare("SELECT user_id FROM room_members WHERE room_id = ? AND role = 'owner'").bind(cast.room.id).all<{ user_id: number }>();
    const room = await env.DB.prepare("SELECT creator_id FROM rooms WHERE id = ?").bind(cast.room.id).first<{ creator_id: number }>();
    expect(owners.results).toEqual([{ user_id: room!.creator_id }]);
    expect(room!.creator_id).not.toBe(cast.owner.id);
  });

  it("404 for an unknown room, 401 without a token", async () => {
    const cast = await roomCast();
    expectError(await transfer(999999999, cast.owner.token, cast.member.id), 404);
    expectError(await api("POST", `/chat-rooms/${cast.room.id}/transfer-owner`, { body: { user_id: cast.member.id } }), 401);
  });
});

describe("concurrent membership changes", () => {
  it("a removal racing a promotion and a second removal ends in one consistent row, never a 500", async () => {
    const owner = await registerUser("race");
    const admin = await registerUser("race");
    const target = await registerUser("race");
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, admin);
    await join(room, owner, target);
    await api("PUT", `/chat-rooms/${room.id}/members/${admin.id}/set-role`, { token: owner.token, body: { role: "admin" } });
    const results = await Promise.all([
      api("DELETE", `/chat-rooms/${room.id}/members/${target.id}`, { token: admin.token }),
      api("PUT", `/chat-rooms/${room.id}/members/${target.id}/set-role`, { token: owner.token, body: { role: "admin" } }),
      api("DELETE", `/chat-rooms/${room.id}/members/${target.id}`, { token: owner.token }),
    ]);
    for (const r of results) expect([200, 204, 403, 404, 409], JSON.stringify(r.json)).toContain(r.status);
    for (const r of results.filter((r) => r.status >= 400)) expect(["member_not_found", "membership_changed", "forbidden"]).toContain(r.json.code);
    const removals = [results[0], results[2]].filter((r) => r.status === 204);
    expect(removals.length).toBeLessThanOrEqual(1);
    const row = await env.DB.prepare("SELECT status, role FROM room_members WHERE room_id = ? AND user_id = ?").bind(room.id, target.id).first<{ status: string; role: string }>();
    if (removals.length) expect(row).toEqual({ status: "inactive", role: "member" });
    else expect(row?.status).toBe("active");
  });
});

describe("dm_policy \"friends\": nobody but a friend puts you in a conversation", () => {
  const add = (roomId: number, token: string, user_ids: unknown) => api("POST", `/chat-rooms/${roomId}/members`, { token, body: { user_ids } });
  const active = async (roomId: number) =>
    (await env.DB.prepare("SELECT user_id FROM room_members WHERE room_id = ? AND status = 'active'").bind(roomId).all<{ user_id: number }>()).results.map((r) => r.user_id);
  it("group creation, bulk add and invitations refuse a stranger (403) and admit a friend; an invite code is the user's own step", async () => {
    const [owner, member, picky, pal] = await Promise.all([registerUser("own"), registerUser("mem"), registerUser("picky"), registerUser("pal")]);
    const picked = await api("PATCH", "/users/me", { token: picky.token, body: { dm_policy: "friends" } });
    expect(picked.status, JSON.stringify(picked.json)).toBe(200);
    await befriend(pal, picky);
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, member);
    await join(room, owner, pal);

    const group = (by: TestUser) => api("POST", "/conversations/group", { token: by.token, body: { name: uniq("grp"), member_ids: [picky.id] } });
    expectError(await group(owner), 403, "cannot_add_user");
    expectError(await add(room.id, owner.token, [member.id, picky.id]), 403, "cannot_add_user");
    const invite = (by: TestUser) => api("POST", `/chat-rooms/${room.id}/invitations`, { token: by.token, body: { user_id: picky.id } });
    expectError(await invite(owner), 403);
    expectError(await invite(member), 403);
    expect(await active(room.id)).not.toContain(picky.id);

    // A pending invitation from a friend is theirs to make, and the approval admits them.
    const pending = await invite(pal);
    expect(pending.status, JSON.stringify(pending.json)).toBe(200);
    const approved = await api("POST", `/chat-rooms/invitations/${pending.json.id}/process`, { token: owner.token, body: { status: "approved" } });
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    expect(await active(room.id)).toContain(picky.id);
    expect((await group(pal)).status).toBe(200);

    // A pending invitation whose inviter deleted their account: the approver's friendship counts.
    const gone = await registerUser("gone");
    await join(room, owner, gone);
    const stranger = await registerUser("picky");
    const orphan = await api("POST", `/chat-rooms/${room.id}/invitations`, { token: gone.token, body: { user_id: stranger.id } });
    expect(orphan.status, JSON.stringify(orphan.json)).toBe(200);
    expect((await api("PATCH", "/users/me", { token: stranger.token, body: { dm_policy: "friends" } })).status).toBe(200);
    expect((await api("DELETE", "/users/me", { token: gone.token, body: { password: "password123" } })).status).toBe(204);
    expectError(await api("POST", `/chat-rooms/invitations/${orphan.json.id}/process`, { token: owner.token, body: { status: "approved" } }), 403);
    expect(await active(room.id)).not.toContain(stranger.id);

    // An invite code is used by the user themself: the policy does not stand in the way.
    const other = await createRoom(owner, { require_approval: true });
    const code = await api("POST", `/chat-rooms/${other.id}/invite-codes`, { token: owner.token, body: {} });
    expect(code.status, JSON.stringify(code.json)).toBe(200);
    expect((await api("POST", `/chat-rooms/join-by-code`, { token: picky.token, body: { code: code.json.code } })).status).toBe(200);
  });
});

describe("lists of 100 ids stay within D1's 100 bound parameters", () => {
  it("creating a group with 100 members, adding 100 at once and asking the status of 100 users all work", async () => {
    const owner = await registerUser("own");
    const hundred = await bulkUsers(100);
    const group = await api("POST", "/conversations/group", { token: owner.token, body: { name: uniq("big"), member_ids: hundred } });
    expect(group.status, JSON.stringify(group.json)).toBe(200);
    const room = await createRoom(owner, { require_approval: false });
    const added = await api("POST", `/chat-rooms/${room.id}/members`, { token: owner.token, body: { user_ids: hundred } });
    expect(added.status, JSON.stringify(added.json)).toBe(200);
    expect(added.json.added).toHaveLength(100);
    const status = await api("GET", `/users/status?ids=${hundred.join(",")}`, { token: owner.token });
    expect(status.status, JSON.stringify(status.json)).toBe(200);
    expect(status.json).toHaveLength(100);
  });
});

