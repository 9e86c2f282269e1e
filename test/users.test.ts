import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, expectError, join, registerUser, uniq } from "./helpers";

const me = (token: string) => api("GET", "/users/me", { token });

describe("GET /users/me", () => {
  it("returns the UserResponse of the caller", async () => {
    const u = await registerUser("me", { email: "me@example.com", display_name: "Me" });
    const res = await me(u.token);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: u.id, username: u.username, display_name: "Me", email: "me@example.com", phone: null, avatar_url: null, is_admin: false });
    expect(res.json.created_at).toMatch(/Z$/);
  });

  it("401 without a token", async () => {
    expectError(await api("GET", "/users/me"), 401, "unauthorized");
  });
});

describe("PATCH /users/me", () => {
  it("changes only the fields given; null clears a field", async () => {
    const u = await registerUser("patch", { email: "p@example.com" });
    const res = await api("PATCH", "/users/me", {
      token: u.token,
      body: { display_name: "Patched", phone: "123456", avatar_url: "https://example.com/a.png", bio: "hello", current_password: "password123" },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ display_name: "Patched", phone: "123456", avatar_url: "https://example.com/a.png", bio: "hello", email: "p@example.com" });
    const cleared = await api("PATCH", "/users/me", { token: u.token, body: { email: null, current_password: "password123" } });
    expect(cleared.status).toBe(200);
    expect(cleared.json).toMatchObject({ email: null, display_name: "Patched" });
    expect((await me(u.token)).json).toMatchObject({ email: null, display_name: "Patched", bio: "hello" });
  });

  it("changing email or phone needs the current password (400 password_required, 403 wrong_password); the same values need nothing", async () => {
    const u = await registerUser("patch", { email: "mine@example.com", phone: "5550100123" });
    expectError(await api("PATCH", "/users/me", { token: u.token, body: { email: "thief@example.com" } }), 400, "password_required");
    expectError(await api("PATCH", "/users/me", { token: u.token, body: { phone: null, bio: "x" } }), 400, "password_required");
    expectError(await api("PATCH", "/users/me", { token: u.token, body: { email: "thief@example.com", current_password: "wrong-one" } }), 403, "wrong_password");
    expect((await me(u.token)).json).toMatchObject({ email: "mine@example.com", phone: "5550100123", bio: null });
    // A whole profile form sent back unchanged: no password asked.
    const same = await api("PATCH", "/users/me", { token: u.token, body: { email: "mine@example.com", phone: "5550100123", bio: "hi" } });
    expect(same.status, JSON.stringify(same.json)).toBe(200);
    const moved = await api("PATCH", "/users/me", { token: u.token, body: { email: "new@example.com", current_password: "password123" } });
    expect(moved.status, JSON.stringify(moved.json)).toBe(200);
    expect(moved.json).toMatchObject({ email: "new@example.com", phone: "5550100123", bio: "hi" });
  });

  it("an empty patch changes nothing", async () => {
    const u = await registerUser("patch", { display_name: "Same" });
    const res = await api("PATCH", "/users/me", { token: u.token, body: {} });
    expect(res.status).toBe(200);
    expect(res.json.display_name).toBe("Same");
  });

  const invalid: [string, Record<string, unknown>][] = [
    ["bad email", { email: "nope" }],
    ["display name too long", { display_name: "x".repeat(65) }],
    ["display name of the wrong type", { display_name: 42 }],
    ["phone with letters", { phone: "call me" }],
    ["avatar that is not a URL", { avatar_url: "not a url" }],
    ["bio too long", { bio: "b".repeat(501) }],
    ["unknown field", { is_admin: true }],
    ["username (not changeable here)", { username: "renamed" }],
  ];
  for (const [what, body] of invalid) {
    it(`400 for ${what}, nothing changed`, async () => {
      const u = await registerUser("patch", { display_name: "Before", email: "before@example.com" });
      expectError(await api("PATCH", "/users/me", { token: u.token, body: { display_name: "After", ...body } }), 400, "invalid_request");
      expect((await me(u.token)).json).toMatchObject({ display_name: "Before", email: "before@example.com", is_admin: false, username: u.username });
    });
  }

  it("401 without a token", async () => {
    expectError(await api("PATCH", "/users/me", { body: { display_name: "x" } }), 401);
  });
});

describe("POST /users/me/password", () => {
  it("changes the password and returns a fresh token", async () => {
    const u = await registerUser("pw");
    const res = await api("POST", "/users/me/password", { token: u.token, body: { old_password: "password123", new_password: "another-pass-1" } });
    expect(res.status).toBe(200);
    expect(res.json.token_type).toBe("bearer");
    expect((await me(res.json.access_token)).json.id).toBe(u.id);
    expect((await api("POST", "/auth/login", { body: { username: u.username, password: "another-pass-1" } })).status).toBe(200);
  });

  it("403 wrong_password when the old password is wrong; the password stays", async () => {
    const u = await registerUser("pw");
    expectError(
      await api("POST", "/users/me/password", { token: u.token, body: { old_password: "wrong-one", new_password: "another-pass-1" } }),
      403,
      "wrong_password",
    );
    expect((await me(u.token)).status).toBe(200);
    expect((await api("POST", "/auth/login", { body: { username: u.username, password: "password123" } })).status).toBe(200);
  });

  it("400 for a too short new password or a missing field; the password stays", async () => {
    const u = await registerUser("pw");
    expectError(await api("POST", "/users/me/password", { token: u.token, body: { old_password: "password123", new_password: "short" } }), 400, "invalid_request");
    expectError(await api("POST", "/users/me/password", { token: u.token, body: { new_password: "long-enough-1" } }), 400, "invalid_request");
    expect((await api("POST", "/auth/login", { body: { username: u.username, password: "password123" } })).status).toBe(200);
  });

  it("401 without a token", async () => {
    expectError(await api("POST", "/users/me/password", { body: { old_password: "password123", new_password: "another-pass-1" } }), 401);
  });
});

describe("DELETE /users/me", () => {
  it("deletes the account with its memberships and follows; its tokens stop working", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("del");
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, u);
    expect((await api("POST", `/users/${owner.id}/follow`, { token: u.token })).status).toBe(200);
    expect((await api("POST", `/users/${u.id}/follow`, { token: owner.token })).status).toBe(200);

    const res = await api("DELETE", "/users/me", { token: u.token, body: { password: "password123" } });
    expect(res.status).toBe(204);
    expectError(await me(u.token), 401);
    expectError(await api("POST", "/auth/login", { body: { username: u.username, password: "password123" } }), 401, "invalid_credentials");
    expectError(await api("GET", `/users/${u.id}`, { token: owner.token }), 404);
    expect((await api("GET", `/chat-rooms/${room.id}`, { token: owner.token })).json.members_count).toBe(1);
    expect((await api("GET", "/users/me/followers", { token: owner.token })).json).toEqual([]);
    expect((await api("GET", "/users/me/following", { token: owner.token })).json).toEqual([]);
    // The username is free again.
    expect((await api("POST", "/auth/register", { body: { username: u.username, password: "password123" } })).status).toBe(200);
  });

  it("403 for a wrong password, 400 without one; the account stays", async () => {
    const u = await registerUser("del");
    expectError(await api("DELETE", "/users/me", { token: u.token, body: { password: "wrong-pass" } }), 403, "wrong_password");
    expectError(await api("DELETE", "/users/me", { token: u.token, body: {} }), 400, "invalid_request");
    expect((await me(u.token)).status).toBe(200);
  });

  it("409 owns_rooms while the user owns a room, changing nothing; works once the room is handed over", async () => {
    const u = await registerUser("del");
    const other = await registerUser("heir");
    const room = await createRoom(u, { require_approval: false });
    const dm = (await api("POST", "/conversations/direct", { token: u.token, body: { user_id: other.id } })).json;
    expectError(await api("DELETE", "/users/me", { token: u.token, body: { password: "password123" } }), 409, "owns_rooms");
    expect((await me(u.token)).status).toBe(200);
    // The refused batch handed nothing over: the direct chat is still the user's.
    const direct = await env.DB.prepare("SELECT creator_id FROM rooms WHERE id = ?").bind(dm.id).first<{ creator_id: number }>();
    expect(direct?.creator_id).toBe(u.id);
    await join(room, u, other);
    expect((await api("POST", `/chat-rooms/${room.id}/transfer-owner`, { token: u.token, body: { user_id: other.id } })).status).toBe(200);
    expect((await api("DELETE", "/users/me", { token: u.token, body: { password: "password123" } })).status).toBe(204);
    const after = await api("GET", `/chat-rooms/${room.id}`, { token: other.token });
    expect(after.json).toMatchObject({ creator_id: other.id, members_count: 1 });
  });

  it("an ownership handed over while the account is being deleted: one of the two wins, whole", async () => {
    for (let round = 0; round < 6; round++) {
      const [owner, heir] = await Promise.all([registerUser("own"), registerUser("heir")]);
      const room = await createRoom(owner, { require_approval: false });
      await join(room, owner, heir);
      const [transfer, deletion] = await Promise.all([
        api("POST", `/chat-rooms/${room.id}/transfer-owner`, { token: owner.token, body: { user_id: heir.id } }),
        api("DELETE", "/users/me", { token: heir.token, body: { password: "password123" } }),
      ]);
      const row = await env.DB.prepare("SELECT creator_id, (SELECT count(*) FROM users u WHERE u.id = rooms.creator_id) AS owner_exists FROM rooms WHERE id = ?")
        .bind(room.id)
        .first<{ creator_id: number; owner_exists: number }>();
      expect(row?.owner_exists, `round ${round}: ${transfer.status} / ${deletion.status}`).toBe(1);
      if (deletion.status === 204) {
        // The heir is gone; the transfer lost (target no longer a member) and the owner kept the room.
        expect([404, 409]).toContain(transfer.status);
        expect(row?.creator_id).toBe(owner.id);
      } else {
        expectError(deletion, 409, "owns_rooms");
        expect(transfer.status).toBe(200);
        expect(row?.creator_id).toBe(heir.id);
        expect((await me(heir.token)).status).toBe(200);
      }
    }
  });

  it("two deletions of the same account at once: both succeed or find it gone, never 409 or 500", async () => {
    const u = await registerUser("twice");
    const results = await Promise.all([1, 2].map(() => api("DELETE", "/users/me", { token: u.token, body: { password: "password123" } })));
    for (const r of results) expect([204, 401]).toContain(r.status);
    expect(results.some((r) => r.status === 204)).toBe(true);
    expect((await me(u.token)).status).toBe(401);
  });

  it("direct chats outlive one side's account and go with the last one", async () => {
    const [a, b] = await Promise.all([registerUser("dm"), registerUser("dm")]);
    // A direct chat a opened with b (created here in D1, the conversations feature owns the route).
    const key = `${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}`;
    const room = await env.DB.prepare(
      "INSERT INTO rooms (kind, name, direct_key, visibility, require_approval, creator_id) VALUES ('direct', ?, ?, 'private', 0, ?) RETURNING id",
    )
      .bind(`direct:${key}`, key, a.id)
      .first<{ id: number }>();
    await env.DB.prepare("INSERT INTO room_members (room_id, user_id, role) VALUES (?1, ?2, 'member'), (?1, ?3, 'member')").bind(room!.id, a.id, b.id).run();
    const creator = () => env.DB.prepare("SELECT creator_id FROM rooms WHERE id = ?").bind(room!.id).first<{ creator_id: number }>();

    expect((await api("DELETE", "/users/me", { token: a.token, body: { password: "password123" } })).status).toBe(204);
    expect(await creator()).toEqual({ creator_id: b.id });
    expect((await api("DELETE", "/users/me", { token: b.token, body: { password: "password123" } })).status).toBe(204);
    expect(await creator()).toBeNull();
  });

  it("401 without a token", async () => {
    expectError(await api("DELETE", "/users/me", { body: { password: "password123" } }), 401);
  });
});

describe("GET /users/search", () => {
  it("finds users by a keyword in the username or display name, case-insensitively", async () => {
    const tag = uniq("zq").toLowerCase();
    const a = await registerUser(`${tag}a`);
    const b = await registerUser("other", { display_name: `The ${tag.toUpperCase()} one` });
    const c = await registerUser("nobody");
    const res = await api("GET", `/users/search?q=${tag.toUpperCase()}`, { token: c.token });
    expect(res.status).toBe(200);
    const ids = res.json.map((u: { id: number }) => u.id);
    expect(ids).toContain(a.id);
    expect(ids).toContain(b.id);
    expect(ids).not.toContain(c.id);
    // Public shape only: no email or phone.
    expect(res.json[0]).not.toHaveProperty("email");
    expect(res.json[0]).not.toHaveProperty("phone");
  });

  it("treats % and _ literally and pages with limit", async () => {
    const u = await registerUser("srch");
    expect((await api("GET", "/users/search?q=%25", { token: u.token })).json).toEqual([]);
    const tag = uniq("pg").toLowerCase();
    await Promise.all([1, 2, 3].map(() => registerUser(tag)));
    const page = await api("GET", `/users/search?q=${tag}&limit=2`, { token: u.token });
    expect(page.json).toHaveLength(2);
    const rest = await api("GET", `/users/search?q=${tag}&limit=2&offset=2`, { token: u.token });
    expect(rest.json).toHaveLength(1);
  });

  it("400 for a missing, empty or too long keyword or a bad limit", async () => {
    const u = await registerUser("srch");
    for (const qs of ["", "?q=", "?q=%20%20", `?q=${"x".repeat(65)}`, "?q=a&limit=0", "?q=a&limit=101", "?q=a&limit=abc"]) {
      expectError(await api("GET", `/users/search${qs}`, { token: u.token }), 400, "invalid_request");
    }
  });

  it("401 without a token", async () => {
    expectError(await api("GET", "/users/search?q=a"), 401);
  });
});

describe("GET /users/{user_id}", () => {
  it("returns the public profile with follow counts and relationship", async () => {
    const a = await registerUser("pub", { email: "secret@example.com", phone: "5551234" });
    const b = await registerUser("pub");
    expect((await api("POST", `/users/${a.id}/follow`, { token: b.token })).status).toBe(200);
    const res = await api("GET", `/users/${a.id}`, { token: b.token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: a.id, username: a.username, followers_count: 1, following_count: 0, is_following: true, follows_you: false });
    expect(res.json).not.toHaveProperty("email");
    expect(res.json).not.toHaveProperty("phone");
    const back = await api("GET", `/users/${b.id}`, { token: a.token });
    expect(back.json).toMatchObject({ following_count: 1, is_following: false, follows_you: true });
  });

  it("404 for an unknown user, 400 for a non-integer id, 401 without a token", async () => {
    const u = await registerUser("pub");
    expectError(await api("GET", "/users/999999999", { token: u.token }), 404);
    for (const bad of ["abc", "0", "-1", "1.5", "1e3"]) expectError(await api("GET", `/users/${bad}`, { token: u.token }), 400, "invalid_request");
    expectError(await api("GET", `/users/${u.id}`), 401);
  });
});

describe("users table", () => {
  it("is_admin cannot be set by the user", async () => {
    const u = await registerUser("adm", { is_admin: true });
    const row = await env.DB.prepare("SELECT is_admin FROM users WHERE id = ?").bind(u.id).first<{ is_admin: number }>();
    expect(row?.is_admin).toBe(0);
  });
});
