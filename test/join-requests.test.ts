import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, expectError, join, matrix, registerUser, roomCast, type TestUser } from "./helpers";

const apply = (roomId: number, user: TestUser, body: unknown = {}) =>
  api("POST", `/chat-rooms/${roomId}/join-request`, { token: user.token, body });
const processReq = (requestId: number, user: TestUser, body: unknown) =>
  api("POST", `/chat-rooms/join-requests/${requestId}/process`, { token: user.token, body });

async function requestRows(roomId: number, userId: number) {
  return (
    await env.DB.prepare("SELECT status FROM join_requests WHERE room_id = ? AND applicant_id = ? ORDER BY id").bind(roomId, userId).all<{ status: string }>()
  ).results.map((r) => r.status);
}
async function membership(roomId: number, userId: number) {
  return env.DB.prepare("SELECT role, status FROM room_members WHERE room_id = ? AND user_id = ?").bind(roomId, userId).first<{ role: string; status: string }>();
}
const membersCount = async (roomId: number, token: string) => (await api("GET", `/chat-rooms/${roomId}`, { token })).json.members_count;

describe("POST /chat-rooms/{room_id}/join-request", () => {
  it("creates a pending ChatJoinRequestResponse when the room requires approval", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app", { email: "app@example.com" });
    const room = await createRoom(owner);
    const res = await apply(room.id, u, { message: "let me in" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      room_id: room.id,
      applicant_id: u.id,
      applicant_name: u.username,
      applicant_email: "app@example.com",
      message: "let me in",
      status: "pending",
      processed_at: null,
      processed_by_id: null,
    });
    expect(res.json.applied_at).toMatch(/Z$/);
    expect(await membership(room.id, u.id)).toBeNull();
  });

  it("works without a body", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner);
    const res = await api("POST", `/chat-rooms/${room.id}/join-request`, { token: u.token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "pending", message: null });
  });

  it("auto-approves (and adds the member) when the room does not require approval", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner, { require_approval: false });
    const res = await apply(room.id, u);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("approved");
    expect(res.json.processed_at).toMatch(/Z$/);
    expect(await membership(room.id, u.id)).toEqual({ role: "member", status: "active" });
    expect(await membersCount(room.id, owner.token)).toBe(2);
    expect((await api("GET", `/chat-rooms/${room.id}`, { token: u.token })).status).toBe(200);
  });

  it("400 already_member for the owner and for members", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner, { require_approval: false });
    await join(room, owner, u);
    expectError(await apply(room.id, owner), 400, "already_member");
    expectError(await apply(room.id, u), 400, "already_member");
    expect(await requestRows(room.id, u.id)).toEqual(["approved"]);
  });

  it("409 request_pending for a second application", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner);
    expect((await apply(room.id, u)).status).toBe(200);
    expectError(await apply(room.id, u, { message: "again" }), 409, "request_pending");
    expect(await requestRows(room.id, u.id)).toEqual(["pending"]);
  });

  it("concurrent duplicate applications end in one row and 409s", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner);
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => apply(room.id, u)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 409, "request_pending");
    expect(await requestRows(room.id, u.id)).toEqual(["pending"]);
  });

  it("concurrent duplicate applications to an open room: one membership, one approved request, the rest refused", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner, { require_approval: false });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => apply(room.id, u)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 400, "already_member");
    expect(await requestRows(room.id, u.id)).toEqual(["approved"]);
    expect(await membersCount(room.id, owner.token)).toBe(2);
  });

  it("409 room_full when the room is at max_members, with or without approval", async () => {
    for (const require_approval of [true, false]) {
      const owner = await registerUser("own");
      const u = await registerUser("app");
      const room = await createRoom(owner, { max_members: 1, require_approval });
      expectError(await apply(room.id, u), 409, "room_full");
      expect(await requestRows(room.id, u.id)).toEqual([]);
      expect(await membership(room.id, u.id)).toBeNull();
    }
  });

  it("concurrent applications to an open room never overfill it", async () => {
    const owner = await registerUser("own");
    const room = await createRoom(owner, { max_members: 3, require_approval: false });
    const users = await Promise.all([1, 2, 3, 4, 5, 6].map(() => registerUser("rush")));
    const results = await Promise.all(users.map((u) => apply(room.id, u)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 409, "room_full");
    expect(await membersCount(room.id, owner.token)).toBe(3);
  });

  it("a rejected or departed user may apply again", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner);
    const first = await apply(room.id, u);
    expect((await processReq(first.json.id, owner, { status: "rejected" })).status).toBe(200);
    const second = await apply(room.id, u);
    expect(second.status).toBe(200);
    expect((await processReq(second.json.id, owner, { status: "approved" })).status).toBe(200);
    expect((await api("POST", `/chat-rooms/${room.id}/leave`, { token: u.token })).status).toBe(204);
    const third = await apply(room.id, u);
    expect(third.status).toBe(200);
    expect((await processReq(third.json.id, owner, { status: "approved" })).status).toBe(200);
    expect(await membership(room.id, u.id)).toEqual({ role: "member", status: "active" });
    expect(await requestRows(room.id, u.id)).toEqual(["rejected", "approved", "approved"]);
  });

  it("400 for bad input, changing nothing", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner, { require_approval: false });
    for (const body of [{ message: "m".repeat(501) }, { message: 42 }, { note: "x" }, ["x"], "hello"]) {
      expectError(await apply(room.id, u, body), 400, "invalid_request");
    }
    expectError(await api("POST", "/chat-rooms/abc/join-request", { token: u.token, body: {} }), 400, "invalid_request");
    expect(await requestRows(room.id, u.id)).toEqual([]);
    expect(await membership(room.id, u.id)).toBeNull();
  });

  it("404 for an unknown room, 401 without a token", async () => {
    const u = await registerUser("app");
    expectError(await apply(999999999, u), 404);
    const room = await createRoom(u);
    expectError(await api("POST", `/chat-rooms/${room.id}/join-request`, { body: {} }), 401);
  });
});

describe("GET /chat-rooms/{room_id}/join-requests", () => {
  it("owner, room admin and system admin list; members and outsiders get 403", async () => {
    const cast = await roomCast();
    const applicant = await registerUser("app");
    const applied = await apply(cast.room.id, applicant, { message: "hi" });
    await matrix(cast, { owner: 200, admin: 200, sysadmin: 200, member: 403, outsider: 403 }, (token) =>
      api("GET", `/chat-rooms/${cast.room.id}/join-requests`, { token }),
    );
    const list = await api("GET", `/chat-rooms/${cast.room.id}/join-requests`, { token: cast.admin.token });
    // Newest first: the applicant, then the admin's and member's approved requests from the setup.
    expect(list.json.map((r: { id: number }) => r.id)[0]).toBe(applied.json.id);
    expect(list.json[0]).toMatchObject({ applicant_id: applicant.id, applicant_name: applicant.username, message: "hi", status: "pending" });
  });

  it("filters by status", async () => {
    const owner = await registerUser("own");
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => registerUser("app")));
    const room = await createRoom(owner);
    const ra = await apply(room.id, a);
    const rb = await apply(room.id, b);
    const rc = await apply(room.id, c);
    await processReq(ra.json.id, owner, { status: "approved" });
    await processReq(rb.json.id, owner, { status: "rejected" });
    const ids = async (qs: string) =>
      (await api("GET", `/chat-rooms/${room.id}/join-requests${qs}`, { token: owner.token })).json.map((r: { id: number }) => r.id);
    expect(await ids("?status_filter=pending")).toEqual([rc.json.id]);
    expect(await ids("?status_filter=approved")).toEqual([ra.json.id]);
    expect(await ids("?status_filter=rejected")).toEqual([rb.json.id]);
    expect(await ids("")).toEqual([rc.json.id, rb.json.id, ra.json.id]);
    expectError(await api("GET", `/chat-rooms/${room.id}/join-requests?status_filter=done`, { token: owner.token }), 400, "invalid_request");
  });

  it("404 for an unknown room, 400 for a bad id, 401 without a token", async () => {
    const u = await registerUser("own");
    expectError(await api("GET", "/chat-rooms/999999999/join-requests", { token: u.token }), 404);
    expectError(await api("GET", "/chat-rooms/x/join-requests", { token: u.token }), 400, "invalid_request");
    const room = await createRoom(u);
    expectError(await api("GET", `/chat-rooms/${room.id}/join-requests`), 401);
  });
});

describe("POST /chat-rooms/join-requests/{request_id}/process", () => {
  it("approving adds the member and records who decided", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner);
    const req = await apply(room.id, u);
    const res = await processReq(req.json.id, owner, { status: "approved", process_message: "welcome" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: req.json.id, status: "approved", processed_by_id: owner.id, process_message: "welcome" });
    expect(res.json.processed_at).toMatch(/Z$/);
    expect(await membership(room.id, u.id)).toEqual({ role: "member", status: "active" });
    expect(await membersCount(room.id, owner.token)).toBe(2);
  });

  it("rejecting adds nobody", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner);
    const req = await apply(room.id, u);
    const res = await processReq(req.json.id, owner, { status: "rejected" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "rejected", processed_by_id: owner.id });
    expect(await membership(room.id, u.id)).toBeNull();
    expectError(await api("GET", `/chat-rooms/${room.id}`, { token: u.token }), 403);
  });

  it("permission matrix: owner, room admin and system admin process; member, outsider and the applicant get 403", async () => {
    const cast = await roomCast();
    const applicants = await Promise.all([1, 2, 3].map(() => registerUser("app")));
    const requests: number[] = [];
    for (const a of applicants) requests.push((await apply(cast.room.id, a)).json.id);
    const applicantTokens = { ...cast, outsider: applicants[0] };
    // Refused callers first: the request stays pending.
    await matrix(applicantTokens, { member: 403, outsider: 403 }, (token) =>
      api("POST", `/chat-rooms/join-requests/${requests[0]}/process`, { token, body: { status: "approved" } }),
    );
    await matrix(cast, { outsider: 403 }, (token) =>
      api("POST", `/chat-rooms/join-requests/${requests[0]}/process`, { token, body: { status: "approved" } }),
    );
    expect(await requestRows(cast.room.id, applicants[0].id)).toEqual(["pending"]);
    let i = 0;
    await matrix(cast, { owner: 200, admin: 200, sysadmin: 200 }, (token) =>
      api("POST", `/chat-rooms/join-requests/${requests[i++]}/process`, { token, body: { status: "approved" } }),
    );
    expect(await membersCount(cast.room.id, cast.owner.token)).toBe(6);
  });

  it("400 request_not_pending for a processed request, and the decision stays", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner);
    const req = await apply(room.id, u);
    await processReq(req.json.id, owner, { status: "rejected" });
    expectError(await processReq(req.json.id, owner, { status: "approved" }), 400, "request_not_pending");
    expectError(await processReq(req.json.id, owner, { status: "rejected" }), 400, "request_not_pending");
    expect(await requestRows(room.id, u.id)).toEqual(["rejected"]);
    expect(await membership(room.id, u.id)).toBeNull();
  });

  it("concurrent approvals of one request: one 200, the rest 400, one membership", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner);
    const req = await apply(room.id, u);
    const results = await Promise.all([1, 2, 3, 4].map(() => processReq(req.json.id, owner, { status: "approved" })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 400, "request_not_pending");
    expect(await membersCount(room.id, owner.token)).toBe(2);
  });

  it("409 room_full when approving into a full room; the request stays pending", async () => {
    const owner = await registerUser("own");
    const [a, b] = await Promise.all([1, 2].map(() => registerUser("app")));
    const room = await createRoom(owner, { max_members: 2 });
    const ra = await apply(room.id, a);
    const rb = await apply(room.id, b);
    expect((await processReq(ra.json.id, owner, { status: "approved" })).status).toBe(200);
    expectError(await processReq(rb.json.id, owner, { status: "approved" }), 409, "room_full");
    expect(await requestRows(room.id, b.id)).toEqual(["pending"]);
    expect(await membership(room.id, b.id)).toBeNull();
    // Rejecting is still possible in a full room.
    expect((await processReq(rb.json.id, owner, { status: "rejected" })).status).toBe(200);
  });

  it("400 for an unknown or missing status and a bad id; nothing changes", async () => {
    const owner = await registerUser("own");
    const u = await registerUser("app");
    const room = await createRoom(owner);
    const req = await apply(room.id, u);
    for (const body of [{ status: "pending" }, { status: "maybe" }, {}, { status: "approved", process_message: "p".repeat(501) }, { status: true }]) {
      expectError(await processReq(req.json.id, owner, body), 400, "invalid_request");
    }
    expectError(await api("POST", "/chat-rooms/join-requests/abc/process", { token: owner.token, body: { status: "approved" } }), 400, "invalid_request");
    expect(await requestRows(room.id, u.id)).toEqual(["pending"]);
    expect(await membership(room.id, u.id)).toBeNull();
  });

  it("404 for an unknown request, 401 without a token", async () => {
    const owner = await registerUser("own");
    expectError(await processReq(999999999, owner, { status: "approved" }), 404);
    const u = await registerUser("app");
    const room = await createRoom(owner);
    const req = await apply(room.id, u);
    expectError(await api("POST", `/chat-rooms/join-requests/${req.json.id}/process`, { body: { status: "approved" } }), 401);
    expect(await requestRows(room.id, u.id)).toEqual(["pending"]);
  });
});
