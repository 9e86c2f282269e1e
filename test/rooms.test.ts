import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, expectError, join, makeAdmin, matrix, registerUser, roomCast, uniq } from "./helpers";

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

async function roomRow(id: number) {
  return env.DB.prepare("SELECT * FROM rooms WHERE id = ?").bind(id).first<Record<string, unknown>>();
}
async function roomsNamed(name: string) {
  return (await env.DB.prepare("SELECT count(*) AS n FROM rooms WHERE lower(name) = lower(?)").bind(name).first<{ n: number }>())!.n;
}

describe("POST /chat-rooms/", () => {
  it("creates a room whose creator is its owner and only active member", async () => {
    const u = await registerUser("own");
    const name = uniq("Room ");
    const res = await api("POST", "/chat-rooms/", { token: u.token, body: { name, description: "about" } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      creator_id: u.id,
      creator_name: u.username,
      name,
      description: "about",
      visibility: "public",
      require_approval: true,
      max_members: null,
      members_count: 1,
      last_message: null,
      unread_messages_count: 0,
      online_members_count: 0,
    });
    expect(res.json.created_at).toMatch(ISO_Z);
    expect(res.json.updated_at).toMatch(ISO_Z);
    const members = await api("GET", `/chat-rooms/${res.json.id}/members`, { token: u.token });
    expect(members.json).toHaveLength(1);
    expect(members.json[0]).toMatchObject({ member_id: u.id, role: "owner", status: "active" });
  });

  it("takes every field of ChatRoomCreate", async () => {
    const u = await registerUser("own");
    const res = await api("POST", "/chat-rooms", {
      token: u.token,
      body: { name: uniq("priv"), visibility: "private", require_approval: false, max_members: 5, description: null },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ visibility: "private", require_approval: false, max_members: 5, description: null });
  });

  it("accepts the limits exactly: name of 100, description of 1000", async () => {
    const u = await registerUser("own");
    const name = uniq("n").padEnd(100, "x");
    const res = await api("POST", "/chat-rooms/", { token: u.token, body: { name, description: "d".repeat(1000) } });
    expect(res.status).toBe(200);
    expect(res.json.name).toBe(name);
  });

  it("409 room_name_taken for an existing name, in any case", async () => {
    const a = await registerUser("own");
    const b = await registerUser("own");
    const room = await createRoom(a);
    expectError(await api("POST", "/chat-rooms/", { token: b.token, body: { name: room.name } }), 409, "room_name_taken");
    expectError(await api("POST", "/chat-rooms/", { token: b.token, body: { name: room.name.toUpperCase() } }), 409, "room_name_taken");
    expect(await roomsNamed(room.name)).toBe(1);
  });

  it("concurrent creates of one name: one room, the rest 409", async () => {
    const u = await registerUser("own");
    const name = uniq("race");
    const results = await Promise.all([1, 2, 3, 4].map(() => api("POST", "/chat-rooms/", { token: u.token, body: { name } })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 409, "room_name_taken");
    expect(await roomsNamed(name)).toBe(1);
  });

  const invalid: [string, Record<string, unknown>][] = [
    ["missing name", { name: undefined }],
    ["empty name", { name: "" }],
    ["blank name", { name: "   " }],
    ["name of 101 characters", { name: "n".repeat(101) }],
    ["name of the wrong type", { name: 42 }],
    ["description of 1001 characters", { description: "d".repeat(1001) }],
    ["unknown visibility", { visibility: "secret" }],
    ["require_approval as a string", { require_approval: "yes" }],
    ["negative max_members", { max_members: -1 }],
    ["zero max_members", { max_members: 0 }],
    ["fractional max_members", { max_members: 2.5 }],
    ["huge max_members", { max_members: 1e12 }],
    ["max_members as a string", { max_members: "10" }],
    ["unknown field", { owner_id: 1 }],
  ];
  for (const [what, patch] of invalid) {
    it(`400 invalid_request for ${what}; no room is created`, async () => {
      const u = await registerUser("own");
      const name = uniq("bad");
      const body = { name, ...patch };
      const res = await api("POST", "/chat-rooms/", { token: u.token, body });
      expectError(res, 400, "invalid_request");
      expect(res.json.errors.length).toBeGreaterThan(0);
      expect(await roomsNamed(name)).toBe(0);
      const mine = await api("GET", "/chat-rooms/?current_user_only=true", { token: u.token });
      expect(mine.json).toEqual([]);
    });
  }

  it("401 without a token", async () => {
    const name = uniq("anon");
    expectError(await api("POST", "/chat-rooms/", { body: { name } }), 401);
    expect(await roomsNamed(name)).toBe(0);
  });
});

describe("GET /chat-rooms/", () => {
  it("shows public rooms to everyone and private rooms to their members and system admins", async () => {
    const owner = await registerUser("own");
    const member = await registerUser("mem");
    const outsider = await registerUser("out");
    const sysadmin = await registerUser("sys");
    await makeAdmin(sysadmin);
    const pub = await createRoom(owner, { visibility: "public" });
    const priv = await createRoom(owner, { visibility: "private" });
    await join(priv, owner, member);

    const ids = async (token: string, qs = "") =>
      ((await api("GET", `/chat-rooms/?limit=100${qs}`, { token })).json as { id: number }[]).map((r) => r.id);
    expect(await ids(outsider.token)).toContain(pub.id);
    expect(await ids(outsider.token)).not.toContain(priv.id);
    expect(await ids(member.token)).toEqual(expect.arrayContaining([pub.id, priv.id]));
    expect(await ids(owner.token)).toEqual(expect.arrayContaining([pub.id, priv.id]));
    expect(await ids(sysadmin.token)).toEqual(expect.arrayContaining([pub.id, priv.id]));

    expect(await ids(member.token, "&visibility_filter=private")).toContain(priv.id);
    expect(await ids(member.token, "&visibility_filter=private")).not.toContain(pub.id);
    expect(await ids(member.token, "&visibility_filter=public")).not.toContain(priv.id);
    expect(await ids(outsider.token, "&visibility_filter=private")).not.toContain(priv.id);
    expect(await ids(member.token, "&current_user_only=true")).toEqual([priv.id]);
    expect(await ids(outsider.token, "&current_user_only=true")).toEqual([]);
    expect(await ids(sysadmin.token, "&current_user_only=true")).toEqual([]);
    expect(await ids(member.token, "&current_user_only=false")).toContain(pub.id);
  });

  it("answers many rooms in one list with correct counts, last message and unread counts", async () => {
    const owner = await registerUser("many");
    const others = await Promise.all([1, 2, 3].map(() => registerUser("peer")));
    const rooms = [];
    for (let i = 0; i < 12; i++) rooms.push(await createRoom(owner, { require_approval: false }));
    // Room i gets i % 4 extra members.
    for (const [i, room] of rooms.entries()) for (const u of others.slice(0, i % 4)) await join(room, owner, u);
    // The room object writes the summary behind into D1; simulate it for half the rooms, and the owner has read 2 messages.
    const stmts = [];
    for (const [i, room] of rooms.entries()) {
      if (i % 2) continue;
      stmts.push(
        env.DB.prepare(
          "UPDATE rooms SET last_message_id = ?, last_message_sender = ?, last_message_content = ?, last_activity_at = ? WHERE id = ?",
        ).bind(i + 3, owner.username, `hello ${i}`, new Date(Date.UTC(2030, 0, 1, 0, i)).toISOString(), room.id),
      );
      stmts.push(env.DB.prepare("UPDATE room_members SET last_read_message_id = 2 WHERE room_id = ? AND user_id = ?").bind(room.id, owner.id));
    }
    await env.DB.batch(stmts);

    const res = await api("GET", "/chat-rooms/?current_user_only=true&limit=100", { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(12);
    const byId = new Map(res.json.map((r: { id: number }) => [r.id, r]));
    for (const [i, room] of rooms.entries()) {
      const r = byId.get(room.id) as Record<string, unknown>;
      expect(r.members_count).toBe(1 + (i % 4));
      expect(r.creator_name).toBe(owner.username);
      expect(r.online_members_count).toBe(0);
      if (i % 2) {
        expect(r.last_message).toBeNull();
        expect(r.unread_messages_count).toBe(0);
      } else {
        expect(r.last_message).toEqual({ sender: owner.username, content: `hello ${i}` });
        expect(r.unread_messages_count).toBe(i + 1);
      }
    }
    // Ordered by last activity: the rooms with (future) activity first, latest first.
    const withActivity = rooms.filter((_, i) => i % 2 === 0).map((r) => r.id).reverse();
    expect(res.json.slice(0, 6).map((r: { id: number }) => r.id)).toEqual(withActivity);
    // A member who joined after the messages has nothing unread; an outsider's unread count is 0.
    const late = await registerUser("late");
    await join(rooms[0], owner, late);
    const seen = await api("GET", "/chat-rooms/?current_user_only=true", { token: late.token });
    expect(seen.json[0]).toMatchObject({ id: rooms[0].id, unread_messages_count: 0 });
    const outsider = await registerUser("out");
    const all = await api("GET", "/chat-rooms/?limit=100", { token: outsider.token });
    for (const r of all.json) expect(r.unread_messages_count).toBe(0);
  });

  it("pages with limit and offset", async () => {
    const owner = await registerUser("page");
    for (let i = 0; i < 3; i++) await createRoom(owner);
    const first = await api("GET", "/chat-rooms/?current_user_only=true&limit=2", { token: owner.token });
    const rest = await api("GET", "/chat-rooms/?current_user_only=true&limit=2&offset=2", { token: owner.token });
    expect(first.json).toHaveLength(2);
    expect(rest.json).toHaveLength(1);
    expect(new Set([...first.json, ...rest.json].map((r: { id: number }) => r.id)).size).toBe(3);
  });

  it("q finds rooms by name or description, case-insensitively, within what the caller may see", async () => {
    const [owner, outsider] = await Promise.all([registerUser("qo"), registerUser("qx")]);
    const tag = uniq("Zq");
    const byName = await createRoom(owner, { name: `${tag} Book Club` });
    const byText = await createRoom(owner, { name: uniq("plain"), description: `we read ${tag.toLowerCase()} books` });
    const hidden = await createRoom(owner, { name: `${tag} secret`, visibility: "private" });
    await createRoom(owner, { name: uniq("other") });
    const found = async (token: string, q: string) =>
      ((await api("GET", `/chat-rooms/?limit=100&q=${encodeURIComponent(q)}`, { token })).json as { id: number }[]).map((r) => r.id).sort();
    expect(await found(outsider.token, tag.toUpperCase())).toEqual([byName.id, byText.id].sort());
    expect(await found(owner.token, tag)).toEqual([byName.id, byText.id, hidden.id].sort());
    expect(await found(owner.token, `${tag} book club`)).toEqual([byName.id]);
    // LIKE wildcards are plain text.
    expect(await found(owner.token, `${tag}%`)).toEqual([]);
    expect(await found(owner.token, "_".repeat(3) + tag.slice(3))).toEqual([]);
  });

  it("400 for an unknown filter value or a bad page", async () => {
    const u = await registerUser("q");
    for (const qs of ["visibility_filter=secret", "current_user_only=maybe", "limit=0", "limit=101", "offset=-1", "limit=x", "q=", "q=%20", `q=${"x".repeat(65)}`]) {
      expectError(await api("GET", `/chat-rooms/?${qs}`, { token: u.token }), 400, "invalid_request");
    }
  });

  it("401 without a token", async () => {
    expectError(await api("GET", "/chat-rooms/"), 401);
  });
});

describe("GET /chatrooms/{room_id}", () => {
  it("owner, room admin, member and system admin see it; an outsider gets 403, even for a public room", async () => {
    for (const visibility of ["public", "private"]) {
      const cast = await roomCast({ visibility });
      await matrix(cast, { owner: 200, admin: 200, member: 200, sysadmin: 200, outsider: 403 }, (token) =>
        api("GET", `/chatrooms/${cast.room.id}`, { token }),
      );
      const res = await api("GET", `/chat-rooms/${cast.room.id}`, { token: cast.member.token });
      expect(res.json).toMatchObject({ id: cast.room.id, members_count: 3, creator_id: cast.owner.id, visibility });
    }
  });

  it("404 for an unknown room, 400 for a non-integer id, 401 without a token", async () => {
    const u = await registerUser("x");
    expectError(await api("GET", "/chatrooms/999999999", { token: u.token }), 404, "not_found");
    expectError(await api("GET", "/chatrooms/abc", { token: u.token }), 400, "invalid_request");
    const room = await createRoom(u);
    expectError(await api("GET", `/chatrooms/${room.id}`), 401);
  });
});

describe("PUT /chatrooms/{room_id}", () => {
  it("only the owner and system admins may update", async () => {
    const cast = await roomCast();
    let n = 0;
    await matrix(cast, { admin: 403, member: 403, outsider: 403, owner: 200, sysadmin: 200 }, (token) =>
      api("PUT", `/chatrooms/${cast.room.id}`, { token, body: { description: `v${++n}` } }),
    );
    // The refused callers changed nothing; the two permitted ones did, in order.
    expect((await roomRow(cast.room.id))!.description).toBe("v5");
  });

  it("changes only the fields given", async () => {
    const u = await registerUser("own");
    const room = await createRoom(u, { description: "keep", max_members: 10 });
    const name = uniq("renamed");
    const res = await api("PUT", `/chatrooms/${room.id}`, { token: u.token, body: { name, visibility: "private", require_approval: false } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name, visibility: "private", require_approval: false, description: "keep", max_members: 10 });
    const cleared = await api("PUT", `/chat-rooms/${room.id}`, { token: u.token, body: { description: null, max_members: null } });
    expect(cleared.json).toMatchObject({ name, description: null, max_members: null });
    // A case-only rename of its own name is not a conflict.
    expect((await api("PUT", `/chat-rooms/${room.id}`, { token: u.token, body: { name: name.toUpperCase() } })).status).toBe(200);
    expect((await api("PUT", `/chat-rooms/${room.id}`, { token: u.token, body: {} })).status).toBe(200);
  });

  it("409 room_name_taken when renaming onto another room's name", async () => {
    const u = await registerUser("own");
    const a = await createRoom(u);
    const b = await createRoom(u);
    expectError(await api("PUT", `/chatrooms/${b.id}`, { token: u.token, body: { name: a.name.toLowerCase() } }), 409, "room_name_taken");
    expect((await roomRow(b.id))!.name).toBe(b.name);
  });

  it("400 when max_members would be below the current member count", async () => {
    const cast = await roomCast();
    expectError(await api("PUT", `/chatrooms/${cast.room.id}`, { token: cast.owner.token, body: { max_members: 2 } }), 400, "max_members_too_low");
    expect((await roomRow(cast.room.id))!.max_members).toBeNull();
    expect((await api("PUT", `/chatrooms/${cast.room.id}`, { token: cast.owner.token, body: { max_members: 3 } })).status).toBe(200);
  });

  const invalid: [string, Record<string, unknown>][] = [
    ["name of 101 characters", { name: "n".repeat(101) }],
    ["empty name", { name: "" }],
    ["name as a number", { name: 5 }],
    ["description of 1001 characters", { description: "d".repeat(1001) }],
    ["unknown visibility", { visibility: "hidden" }],
    ["require_approval as a number", { require_approval: 1 }],
    ["negative max_members", { max_members: -5 }],
    ["huge max_members", { max_members: 10 ** 9 }],
    ["max_members as a string", { max_members: "many" }],
    ["unknown field", { creator_id: 1 }],
  ];
  for (const [what, body] of invalid) {
    it(`400 invalid_request for ${what}; the room is unchanged`, async () => {
      const u = await registerUser("own");
      const room = await createRoom(u, { description: "before" });
      const before = await roomRow(room.id);
      expectError(await api("PUT", `/chatrooms/${room.id}`, { token: u.token, body: { description: "after", ...body } }), 400, "invalid_request");
      expect(await roomRow(room.id)).toEqual(before);
    });
  }

  it("404 for an unknown room, 400 for a bad id, 401 without a token", async () => {
    const u = await registerUser("own");
    expectError(await api("PUT", "/chatrooms/999999999", { token: u.token, body: { description: "x" } }), 404);
    expectError(await api("PUT", "/chatrooms/1x", { token: u.token, body: { description: "x" } }), 400, "invalid_request");
    const room = await createRoom(u);
    expectError(await api("PUT", `/chatrooms/${room.id}`, { body: { description: "x" } }), 401);
  });
});

describe("DELETE /chatrooms/{room_id}", () => {
  it("room admins, members and outsiders get 403; the owner deletes with a cascade", async () => {
    const cast = await roomCast();
    const applicant = await registerUser("app");
    expect((await api("POST", `/chat-rooms/${cast.room.id}/join-request`, { token: applicant.token, body: {} })).status).toBe(200);
    await matrix(cast, { admin: 403, member: 403, outsider: 403 }, (token) => api("DELETE", `/chatrooms/${cast.room.id}`, { token }));
    expect(await roomRow(cast.room.id)).not.toBeNull();

    const res = await api("DELETE", `/chatrooms/${cast.room.id}`, { token: cast.owner.token });
    expect(res.status).toBe(204);
    expect(await roomRow(cast.room.id)).toBeNull();
    const left = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM room_members WHERE room_id = ?1) AS m, (SELECT count(*) FROM join_requests WHERE room_id = ?1) AS j",
    )
      .bind(cast.room.id)
      .first<{ m: number; j: number }>();
    expect(left).toEqual({ m: 0, j: 0 });
    expectError(await api("GET", `/chatrooms/${cast.room.id}`, { token: cast.owner.token }), 404);
    expectError(await api("DELETE", `/chatrooms/${cast.room.id}`, { token: cast.owner.token }), 404);
    // The name is free again.
    expect((await api("POST", "/chat-rooms/", { token: cast.owner.token, body: { name: cast.room.name } })).status).toBe(200);
  });

  it("a system admin deletes any room", async () => {
    const cast = await roomCast({ visibility: "private" });
    expect((await api("DELETE", `/chat-rooms/${cast.room.id}`, { token: cast.sysadmin.token })).status).toBe(204);
    expect(await roomRow(cast.room.id)).toBeNull();
  });

  it("404 for an unknown room, 400 for a bad id, 401 without a token", async () => {
    const u = await registerUser("own");
    expectError(await api("DELETE", "/chatrooms/999999999", { token: u.token }), 404);
    expectError(await api("DELETE", "/chatrooms/-3", { token: u.token }), 400, "invalid_request");
    const room = await createRoom(u);
    expectError(await api("DELETE", `/chatrooms/${room.id}`), 401);
    expect(await roomRow(room.id)).not.toBeNull();
  });
});

describe("archiving a room (is_active: false)", () => {
  it("makes it read-only for everyone, over REST and sockets, and closed to joins; reactivating opens it again", async () => {
    const { connect } = await import("./ws");
    const [owner, member, outsider, invitee] = await Promise.all(["own", "mem", "out", "inv"].map((p) => registerUser(p)));
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, member);
    const first = (await api("POST", `/chat-rooms/${room.id}/messages`, { token: member.token, body: { content_text: "before the archive" } })).json;
    const code = (await api("POST", `/chat-rooms/${room.id}/invite-codes`, { token: owner.token, body: {} })).json.code;
    const sock = await connect(room.id, member.token);

    expectError(await api("PUT", `/chat-rooms/${room.id}`, { token: member.token, body: { is_active: false } }), 403);
    const archived = await api("PUT", `/chat-rooms/${room.id}`, { token: owner.token, body: { is_active: false } });
    expect(archived.status, JSON.stringify(archived.json)).toBe(200);
    expect(archived.json).toMatchObject({ is_active: false, archived_at: expect.stringMatching(ISO_Z) });

    const send = (text: string) => api("POST", `/chat-rooms/${room.id}/messages`, { token: member.token, body: { content_text: text } });
    expectError(await send("after"), 403, "room_archived");
    expectError(await api("PATCH", `/chat-rooms/${room.id}/messages/${first.id}`, { token: member.token, body: { content_text: "edited" } }), 403, "room_archived");
    expectError(await api("PUT", `/chat-rooms/${room.id}/messages/${first.id}/reactions/${encodeURIComponent("👍")}`, { token: member.token }), 403, "room_archived");
    expectError(await api("POST", `/chat-rooms/${room.id}/typing`, { token: member.token }), 403, "room_archived");
    const fx = await import("./media-fixtures");
    const form = fx.multipart([{ name: "room_id", data: String(room.id) }, { name: "file", filename: "a.png", data: fx.png(2, 2) }]);
    expectError(await api("POST", "/files", { token: member.token, raw: form.body, headers: { "Content-Type": form.contentType } }), 403, "room_archived");
    sock.send({ type: "chat_message", content_text: "over the socket" });
    expect((await sock.next("error")).code).toBe("room_archived");
    // Reading goes on: history, search, read positions.
    expect((await api("GET", `/chat-rooms/${room.id}/messages`, { token: member.token })).json.map((m: any) => m.id)).toEqual([first.id]);
    expect((await api("POST", `/chat-rooms/${room.id}/read`, { token: member.token, body: {} })).status).toBe(200);
    // Nobody joins.
    expectError(await api("POST", `/chat-rooms/${room.id}/join-request`, { token: outsider.token, body: {} }), 403, "room_archived");
    expectError(await api("POST", "/chat-rooms/join-by-code", { token: outsider.token, body: { code } }), 403, "room_archived");
    expectError(await api("POST", `/chat-rooms/${room.id}/invitations`, { token: owner.token, body: { user_id: invitee.id } }), 403, "room_archived");
    expectError(await api("POST", `/chat-rooms/${room.id}/members`, { token: owner.token, body: { user_ids: [invitee.id] } }), 403, "room_archived");
    // Archiving twice keeps the first time.
    expect((await api("PUT", `/chat-rooms/${room.id}`, { token: owner.token, body: { is_active: false } })).json.archived_at).toBe(archived.json.archived_at);

    const back = await api("PUT", `/chat-rooms/${room.id}`, { token: owner.token, body: { is_active: true } });
    expect(back.json).toMatchObject({ is_active: true, archived_at: null });
    expect((await send("open again")).status).toBe(200);
    sock.send({ type: "chat_message", content_text: "socket again" });
    expect((await sock.next("chat_message", (f) => f.message.content_text === "socket again")).message.sender_id).toBe(member.id);
    expect((await api("POST", `/chat-rooms/${room.id}/join-request`, { token: outsider.token, body: {} })).status).toBe(200);
    expectError(await api("PUT", `/chat-rooms/${room.id}`, { token: owner.token, body: { is_active: "no" } }), 400, "invalid_request");
    sock.close();
  });

  it("a room object that missed the archive call learns it from the next socket that connects", async () => {
    const { connect } = await import("./ws");
    const [owner, member] = await Promise.all([registerUser("own"), registerUser("mem")]);
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, member);
    // As if the call to the object had been lost: D1 alone says archived.
    await env.DB.prepare("UPDATE rooms SET archived_at = ?, archive_version = archive_version + 1 WHERE id = ?").bind(new Date().toISOString(), room.id).run();
    const sock = await connect(room.id, member.token);
    sock.send({ type: "chat_message", content_text: "should not land" });
    expect((await sock.next("error")).code).toBe("room_archived");
    // And a lost reactivation: the next REST send, let through by D1, brings the object along.
    await env.DB.prepare("UPDATE rooms SET archived_at = NULL, archive_version = archive_version + 1 WHERE id = ?").bind(room.id).run();
    const sent = await api("POST", `/chat-rooms/${room.id}/messages`, { token: member.token, body: { content_text: "open again" } });
    expect(sent.status, JSON.stringify(sent.json)).toBe(200);
    sock.send({ type: "chat_message", content_text: "and over the socket" });
    expect((await sock.next("chat_message", (f) => f.message.content_text === "and over the socket")).message.sender_id).toBe(member.id);
    sock.close();
  });

  it("a join that races an archive is refused by the admission itself", async () => {
    const [owner, late] = await Promise.all([registerUser("own"), registerUser("late")]);
    const room = await createRoom(owner, { require_approval: false });
    const { getDb } = await import("../src/db/client");
    const { admitMember } = await import("../src/members/admit");
    await env.DB.prepare("UPDATE rooms SET archived_at = ? WHERE id = ?").bind(new Date().toISOString(), room.id).run();
    const db = getDb(env.DB);
    await db.batch([admitMember(db, room.id, late.id)]);
    const row = await env.DB.prepare("SELECT status FROM room_members WHERE room_id = ? AND user_id = ?").bind(room.id, late.id).first();
    expect(row).toBeNull();
  });
});
