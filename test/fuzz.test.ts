// Hostile requests over every OpenAPI operation (bad JSON, wrong types, huge and negative
// numbers, unicode junk, bad tokens) never get a 5xx. A fixed seed makes every run the same
// requests; npm test runs FUZZ_COUNT of them, bench/fuzz.mjs runs 10 000 against wrangler dev.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hostileRequest, operations, rng } from "../bench/fuzz-cases.mjs";
import { api, createRoom, registerUser } from "./helpers";

const FUZZ_COUNT = 600;
const SEED = 20261203;

describe("fuzz", () => {
  it(`${FUZZ_COUNT} hostile requests spread over every operation: no response is a 5xx`, { timeout: 240_000 }, async () => {
    const doc = (await api("GET", "/openapi.json")).json;
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(100);
    const components = doc.components?.schemas ?? {};
    let user = await registerUser("fz");
    await createRoom(user);
    const tokens = { valid: user.token };
    const r = rng(SEED);
    const failures: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < FUZZ_COUNT; i++) {
      const req = hostileRequest(r, ops, components, tokens, i);
      seen.add(req.op);
      const res = await exports.default.fetch(`http://edge.test${req.url}`, { method: req.method, headers: req.headers, body: req.body });
      const text = await res.text();
      if (res.status >= 500) failures.push(`${req.method} ${req.url.slice(0, 200)} -> ${res.status} ${text.slice(0, 200)}`);
      // The fuzz deleted its own account or changed its password: carry on as a new user.
      if (res.status === 401 && req.headers.Authorization === `Bearer ${tokens.valid}`) {
        user = await registerUser("fz");
        tokens.valid = user.token;
      }
    }
    expect(failures).toEqual([]);
    expect(seen.size).toBe(Math.min(ops.length, FUZZ_COUNT));
  });
});
