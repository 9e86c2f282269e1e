// Test helpers for the social graph: make two users friends, block, read relationship rows.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { api, type TestUser } from "./helpers";

/** a asks, b accepts: they are friends afterwards. */
export async function befriend(a: TestUser, b: TestUser) {
  const sent = await api("POST", "/friends/requests", { token: a.token, body: { user_id: b.id } });
  expect(sent.status, JSON.stringify(sent.json)).toBe(200);
  const ok = await api("POST", `/friends/requests/${sent.json.id}/respond`, { token: b.token, body: { action: "accept" } });
  expect(ok.status, JSON.stringify(ok.json)).toBe(200);
  return ok.json;
}

export async function block(blocker: TestUser, blocked: TestUser) {
  const res = await api("POST", `/users/${blocked.id}/block`, { token: blocker.token });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json;
}

export async function follow(a: TestUser, b: TestUser) {
  const res = await api("POST", `/users/${b.id}/follow`, { token: a.token });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
}

/** Friendship rows between a and b (both directions), straight from D1. */
export async function friendshipRows(a: TestUser, b: TestUser) {
  const { results } = await env.DB.prepare(
    "SELECT user_id, friend_id, group_name FROM friendships WHERE (user_id = ?1 AND friend_id = ?2) OR (user_id = ?2 AND friend_id = ?1) ORDER BY user_id = ?1 DESC",
  )
    .bind(a.id, b.id)
    .all<{ user_id: number; friend_id: number; group_name: string | null }>();
  return results;
}

/** Friend requests between a and b (both directions), oldest first. */
export async function requestRows(a: TestUser, b: TestUser) {
  const { results } = await env.DB.prepare(
    "SELECT id, from_id, to_id, status FROM friend_requests WHERE (from_id = ?1 AND to_id = ?2) OR (from_id = ?2 AND to_id = ?1) ORDER BY id",
  )
    .bind(a.id, b.id)
    .all<{ id: number; from_id: number; to_id: number; status: string }>();
  return results;
}

export async function followRows(a: TestUser, b: TestUser) {
  const { results } = await env.DB.prepare(
    "SELECT follower_id, followed_id FROM follows WHERE (follower_id = ?1 AND followed_id = ?2) OR (follower_id = ?2 AND followed_id = ?1)",
  )
    .bind(a.id, b.id)
    .all();
  return results;
}
