import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, expectError, registerUser } from "./helpers";

const follow = (userId: number | string, token: string) => api("POST", `/users/${userId}/follow`, { token });
const unfollow = (userId: number | string, token: string) => api("DELETE", `/users/${userId}/unfollow`, { token });
async function rows(followerId: number, followedId: number) {
  return (await env.DB.prepare("SELECT count(*) AS n FROM follows WHERE follower_id = ? AND followed_id = ?").bind(followerId, followedId).first<{ n: number }>())!.n;
}

describe("POST /users/{user_id}/follow", () => {
  it("returns the UserFollowResponse", async () => {
    const a = await registerUser("fa");
    const b = await registerUser("fb");
    const res = await follow(b.id, a.token);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ follower_id: a.id, followed_id: b.id, follower_name: a.username, followed_name: b.username });
    expect(Number.isInteger(res.json.id)).toBe(true);
    expect(res.json.followed_at).toMatch(/Z$/);
  });

  it("409 already_following the second time", async () => {
    const a = await registerUser("fa");
    const b = await registerUser("fb");
    expect((await follow(b.id, a.token)).status).toBe(200);
    expectError(await follow(b.id, a.token), 409, "already_following");
    expect(await rows(a.id, b.id)).toBe(1);
  });

  it("concurrent duplicate follows end in one row and 409s", async () => {
    const a = await registerUser("fa");
    const b = await registerUser("fb");
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => follow(b.id, a.token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 409, "already_following");
    expect(await rows(a.id, b.id)).toBe(1);
  });

  it("400 for following yourself, 404 for an unknown user, 400 for a bad id, 401 without a token", async () => {
    const a = await registerUser("fa");
    expectError(await follow(a.id, a.token), 400, "cannot_follow_self");
    expect(await rows(a.id, a.id)).toBe(0);
    expectError(await follow(999999999, a.token), 404);
    for (const bad of ["abc", "0", "-2", "1.5"]) expectError(await follow(bad, a.token), 400, "invalid_request");
    expectError(await api("POST", `/users/${a.id}/follow`), 401);
  });
});

describe("DELETE /users/{user_id}/unfollow", () => {
  it("stops following", async () => {
    const a = await registerUser("fa");
    const b = await registerUser("fb");
    await follow(b.id, a.token);
    expect((await unfollow(b.id, a.token)).status).toBe(204);
    expect(await rows(a.id, b.id)).toBe(0);
    // And may follow again.
    expect((await follow(b.id, a.token)).status).toBe(200);
  });

  it("404 when not following or no such user, 400 for a bad id, 401 without a token", async () => {
    const a = await registerUser("fa");
    const b = await registerUser("fb");
    expectError(await unfollow(b.id, a.token), 404, "not_following");
    expectError(await unfollow(999999999, a.token), 404);
    expectError(await unfollow("x", a.token), 400, "invalid_request");
    await follow(b.id, a.token);
    expectError(await api("DELETE", `/users/${b.id}/unfollow`), 401);
    expect(await rows(a.id, b.id)).toBe(1);
    // Unfollowing is one-way: b never followed a.
    expectError(await unfollow(a.id, b.token), 404, "not_following");
  });
});

describe("GET /users/me/following and /users/me/followers", () => {
  it("list both directions, newest first, with names, and page", async () => {
    const me = await registerUser("me");
    const [x, y, z] = await Promise.all([1, 2, 3].map(() => registerUser("f")));
    await follow(x.id, me.token);
    await follow(y.id, me.token);
    await follow(me.id, z.token);
    const following = await api("GET", "/users/me/following", { token: me.token });
    expect(following.status).toBe(200);
    expect(following.json.map((f: { followed_id: number }) => f.followed_id)).toEqual([y.id, x.id]);
    expect(following.json[0]).toMatchObject({ follower_id: me.id, follower_name: me.username, followed_name: y.username });
    const followers = await api("GET", "/users/me/followers/", { token: me.token });
    expect(followers.status).toBe(200);
    expect(followers.json).toHaveLength(1);
    expect(followers.json[0]).toMatchObject({ follower_id: z.id, followed_id: me.id, follower_name: z.username });
    const page = await api("GET", "/users/me/following?limit=1&offset=1", { token: me.token });
    expect(page.json.map((f: { followed_id: number }) => f.followed_id)).toEqual([x.id]);
    expect((await api("GET", "/users/me/followers", { token: x.token })).json.map((f: { follower_id: number }) => f.follower_id)).toEqual([me.id]);
  });

  it("empty lists for a new user; 400 for a bad page; 401 without a token", async () => {
    const u = await registerUser("new");
    expect((await api("GET", "/users/me/following", { token: u.token })).json).toEqual([]);
    expect((await api("GET", "/users/me/followers", { token: u.token })).json).toEqual([]);
    expectError(await api("GET", "/users/me/following?limit=0", { token: u.token }), 400, "invalid_request");
    expectError(await api("GET", "/users/me/following"), 401);
    expectError(await api("GET", "/users/me/followers"), 401);
  });
});
