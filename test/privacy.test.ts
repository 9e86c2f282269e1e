// Personal data (e-mail, phone) reaches only its owner and system admins. The walk below finds every
// operation whose response schema (in the OpenAPI document) carries such a field; each must have a
// scenario here, which shows a stranger sees null and the owner or a system admin the value.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createRoom, registerUser, type TestUser } from "./helpers";

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
const CONTACT = /(^|_)(email|phone)$/;

/** Property names of contact-like fields anywhere in a schema (refs, arrays, unions, nesting resolved). */
function contactFields(doc: Doc, schema: any, seen = new Set<string>()): string[] {
  if (!schema || typeof schema !== "object") return [];
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop();
    if (seen.has(name)) return [];
    seen.add(name);
    return contactFields(doc, doc.components.schemas[name], seen);
  }
  const out: string[] = [];
  for (const [k, v] of Object.entries<any>(schema.properties ?? {})) {
    if (CONTACT.test(k)) out.push(k);
    out.push(...contactFields(doc, v, seen));
  }
  for (const key of ["items", "additionalProperties"]) out.push(...contactFields(doc, schema[key], seen));
  for (const key of ["anyOf", "oneOf", "allOf"]) for (const s of schema[key] ?? []) out.push(...contactFields(doc, s, seen));
  return out;
}

const withContact = async () => {
  const u = await registerUser("pii", { email: `${Math.random().toString(36).slice(2)}@example.com`, phone: "+4915112345678" });
  return u;
};

/** Every record of `json` (object or list, nested) whose owner is `owner` by `idKey`. */
function records(json: any): any[] {
  if (Array.isArray(json)) return json.flatMap(records);
  if (json && typeof json === "object") return [json, ...Object.values(json).flatMap(records)];
  return [];
}

/**
 * A call whose response holds a stranger's record, per operation: `stranger` is the viewer (no
 * admin), `subject` the user the record is about; `check` returns the record of the subject.
 */
type Scenario = (p: { stranger: TestUser; subject: TestUser; sysadmin: TestUser }) => Promise<{ viewer: any; admin?: any; key: string }>;

/** The subject's record (by one of the id keys) in a response. */
const find = (json: any, subjectId: number, keys: string[]) =>
  records(json).find((r) => keys.some((k) => r[k] === subjectId) && Object.keys(r).some((k) => CONTACT.test(k)));

// Operations whose response describes the caller's own account only (no stranger can ever be in it).
const SELF_ONLY = new Set([
  "post /auth/register",
  "post /auth/login",
  "get /users/me",
  "patch /users/me",
  "put /users/me/avatar",
  "delete /users/me/avatar",
  // The caller's own application.
  "post /chat-rooms/{room_id}/join-request",
]);

async function roomWith(owner: TestUser, ...members: TestUser[]) {
  const room = await createRoom(owner, { require_approval: false });
  for (const m of members) expect((await api("POST", `/chat-rooms/${room.id}/join-request`, { token: m.token, body: {} })).status).toBe(200);
  return room;
}

const SCENARIOS: Record<string, Scenario> = {
  "get /chat-rooms/{room_id}/members": async ({ stranger, subject, sysadmin }) => {
    const room = await roomWith(stranger, subject);
    const path = `/chat-rooms/${room.id}/members`;
    return {
      viewer: find((await api("GET", path, { token: stranger.token })).json, subject.id, ["member_id"]),
      admin: find((await api("GET", path, { token: sysadmin.token })).json, subject.id, ["member_id"]),
      key: "member_email",
    };
  },
  "post /chat-rooms/{room_id}/members": async ({ stranger, subject }) => {
    const room = await createRoom(stranger);
    const res = await api("POST", `/chat-rooms/${room.id}/members`, { token: stranger.token, body: { user_ids: [subject.id] } });
    return { viewer: find(res.json, subject.id, ["member_id"]), key: "member_email" };
  },
  "put /chat-rooms/{room_id}/members/{member_id}/set-role": async ({ stranger, subject }) => {
    const room = await roomWith(stranger, subject);
    const res = await api("PUT", `/chat-rooms/${room.id}/members/${subject.id}/set-role`, { token: stranger.token, body: { role: "admin" } });
    return { viewer: find(res.json, subject.id, ["member_id"]), key: "member_email" };
  },
  "post /chat-rooms/{room_id}/transfer-owner": async ({ stranger, subject }) => {
    const room = await roomWith(stranger, subject);
    const res = await api("POST", `/chat-rooms/${room.id}/transfer-owner`, { token: stranger.token, body: { user_id: subject.id } });
    return { viewer: find(res.json, subject.id, ["member_id"]), key: "member_email" };
  },
  "get /chat-rooms/{room_id}/join-requests": async ({ stranger, subject, sysadmin }) => {
    const room = await createRoom(stranger);
    expect((await api("POST", `/chat-rooms/${room.id}/join-request`, { token: subject.token, body: {} })).status).toBe(200);
    const path = `/chat-rooms/${room.id}/join-requests`;
    return {
      viewer: find((await api("GET", path, { token: stranger.token })).json, subject.id, ["applicant_id"]),
      admin: find((await api("GET", path, { token: sysadmin.token })).json, subject.id, ["applicant_id"]),
      key: "applicant_email",
    };
  },
  "post /chat-rooms/join-requests/{request_id}/process": async ({ stranger, subject }) => {
    const room = await createRoom(stranger);
    const applied = await api("POST", `/chat-rooms/${room.id}/join-request`, { token: subject.token, body: {} });
    const res = await api("POST", `/chat-rooms/join-requests/${applied.json.id}/process`, { token: stranger.token, body: { status: "approved" } });
    return { viewer: find(res.json, subject.id, ["applicant_id"]), key: "applicant_email" };
  },
  // Document 004's profile (the JWT alone, or Bearer, in Authorization): the core's privacy rule.
  "get /user/profile/{user_name}": async ({ stranger, subject, sysadmin }) => {
    const path = `/user/profile/${subject.username}`;
    const call = async (token: string) => (await exports.default.fetch(`http://edge.test${path}`, { headers: { Authorization: token } })).json();
    return {
      viewer: find(await call(stranger.token), subject.id, ["user_id"]),
      admin: find(await call(sysadmin.token), subject.id, ["user_id"]),
      key: "email",
    };
  },
};

describe("personal data", () => {
  it("every response schema with an e-mail or phone field shows it to nobody but the owner and system admins", async () => {
    const doc = (await api("GET", "/openapi.json")).json as Doc;
    const ops: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries<any>(methods)) {
        const schemas = Object.values<any>(op.responses ?? {}).flatMap((r) => Object.values<any>(r.content ?? {}).map((c) => c.schema));
        if (schemas.some((s) => contactFields(doc, s).length)) ops.push(`${method} ${path.replace(/^\/api\/v1/, "").replace(/(.)\/$/, "$1")}`);
      }
    // The walk found the shapes this test was written for (so it is not vacuously green).
    expect(ops).toEqual(expect.arrayContaining(["get /users/me", "get /chat-rooms/{room_id}/members", "get /chat-rooms/{room_id}/join-requests"]));
    const uncovered = ops.filter((op) => !SELF_ONLY.has(op) && !SCENARIOS[op]);
    expect(uncovered, "operations with contact fields and no scenario here").toEqual([]);

    const sysadmin = await registerUser("sys");
    const { env } = await import("cloudflare:workers");
    await env.DB.prepare("UPDATE users SET is_admin = 1 WHERE id = ?").bind(sysadmin.id).run();
    for (const op of ops.filter((o) => SCENARIOS[o])) {
      const [stranger, subject] = await Promise.all([registerUser("str"), withContact()]);
      const { viewer, admin, key } = await SCENARIOS[op]({ stranger, subject, sysadmin });
      expect(viewer, `${op}: the subject's record`).toBeTruthy();
      expect(viewer[key], `${op}: ${key} seen by a stranger`).toBeNull();
      for (const [k, v] of Object.entries(viewer)) if (CONTACT.test(k)) expect(v, `${op}: ${k}`).toBeNull();
      if (admin) expect(admin[key], `${op}: a system admin sees it`).toMatch(/@example\.com$/);
    }
  });

  it("the owner sees their own e-mail and phone; public profiles and search never carry them", async () => {
    const me = await withContact();
    const self = await api("GET", "/users/me", { token: me.token });
    expect(self.json.email).toMatch(/@example\.com$/);
    expect(self.json.phone).toBe("+4915112345678");
    const other = await registerUser("oth");
    const profile = await api("GET", `/users/${me.id}`, { token: other.token });
    expect(profile.status).toBe(200);
    expect(JSON.stringify(profile.json)).not.toMatch(/example\.com|4915112345678/);
    const search = await api("GET", `/users/search?q=${me.username}`, { token: other.token });
    expect(search.json.map((u: any) => u.id)).toContain(me.id);
    expect(JSON.stringify(search.json)).not.toMatch(/example\.com|4915112345678/);
  });

  it("a member list no longer hands out every member's e-mail (the harvesting attack), while the applicant sees their own", async () => {
    const victims = await Promise.all([withContact(), withContact(), withContact()]);
    const harvester = await registerUser("harv");
    const room = await createRoom(harvester);
    const added = await api("POST", `/chat-rooms/${room.id}/members`, { token: harvester.token, body: { user_ids: victims.map((v) => v.id) } });
    expect(added.status).toBe(200);
    const list = await api("GET", `/chat-rooms/${room.id}/members`, { token: harvester.token });
    expect(list.json).toHaveLength(4);
    for (const m of list.json) expect(m.member_email).toBeNull();
    // Each victim sees their own row's e-mail in the same list.
    const own = await api("GET", `/chat-rooms/${room.id}/members`, { token: victims[0].token });
    expect(own.json.find((m: any) => m.member_id === victims[0].id).member_email).toMatch(/@example\.com$/);
    expect(own.json.find((m: any) => m.member_id === victims[1].id).member_email).toBeNull();
  });
});
