// Hostile requests for every operation of the OpenAPI document, from a seeded generator: the same
// seed gives the same requests. Shared by test/fuzz.test.ts (a few hundred, in npm test) and
// bench/fuzz.mjs (10 000 against wrangler dev).

/** mulberry32: small, fast, good enough to spread cases. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK_STRINGS = [
  "",
  " ",
  "\u0000",
  "\u202e\u200b\ufeff",
  "\ud800",
  "😀".repeat(300),
  "a".repeat(5000),
  "%00%ff",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  "NaN",
  "null",
  "true",
  "١٢٣",
  "𝟙𝟚𝟛",
  "\r\n\r\nX-Injected: 1",
];
const JUNK_NUMBERS = [0, -1, -9007199254740993, 9007199254740993, 1e308, -1e308, 1.5, 2 ** 31, 2 ** 53, 1e21, -0];
const JUNK_PATH = ["0", "-1", "abc", "1.5", "9007199254740993", "99999999999999999999", "%F0%9F%98%80", "1e3", "%00", "0x10", " 1", "null"];

const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

/** A value that is wrong for most schemas, sometimes right-looking. */
function junkValue(r, depth = 0) {
  const k = Math.floor(r() * 9);
  if (k === 0) return pick(r, JUNK_STRINGS);
  if (k === 1) return pick(r, JUNK_NUMBERS);
  if (k === 2) return null;
  if (k === 3) return r() < 0.5;
  if (k === 4) return depth < 3 ? Array.from({ length: Math.floor(r() * 4) }, () => junkValue(r, depth + 1)) : [];
  if (k === 5) return depth < 3 ? { nested: junkValue(r, depth + 1), [pick(r, JUNK_STRINGS)]: 1 } : {};
  if (k === 6) return Array.from({ length: 120 }, (_, i) => i); // over every list limit
  if (k === 7) return Math.floor(r() * 1000);
  return "x".repeat(Math.floor(r() * 300));
}

/** A body for `schema`: every field filled with junk, sometimes a plausible value, sometimes missing. */
function junkObject(r, schema, components) {
  const resolved = schema?.$ref ? components[schema.$ref.split("/").pop()] : schema;
  const props = resolved?.properties ?? {};
  const out = {};
  for (const [name, p] of Object.entries(props)) {
    if (r() < 0.15) continue;
    if (r() < 0.3 && p.type === "string") out[name] = "ok" + Math.floor(r() * 1000);
    else if (r() < 0.3 && (p.type === "integer" || p.type === "number")) out[name] = pick(r, [1, 2, 3, 100]);
    else out[name] = junkValue(r);
  }
  if (r() < 0.2) out[pick(r, JUNK_STRINGS) || "extra"] = junkValue(r);
  return out;
}

/** Raw bodies that are not what any JSON route takes. */
const BAD_BODIES = ['{"a":', "[1,2", "not json", "{}}", '{"__proto__":{"x":1}}', "\u0000\u0001", "[]", "123", '"str"', "null", "{".repeat(5000), '{"a":1e999}'];

/** Every operation of the document: {method, path, params, body schema}. */
export function operations(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths ?? {}))
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const json = op.requestBody?.content?.["application/json"]?.schema;
      ops.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], body: json ?? null, multipart: !!op.requestBody?.content?.["multipart/form-data"] });
    }
  return ops;
}

/**
 * The i-th hostile request: {method, url (path + query), headers, body, op}. `tokens.valid` is a
 * working token (most requests carry it, so handlers run past authentication).
 */
export function hostileRequest(r, ops, components, tokens, i) {
  const op = ops[i % ops.length];
  let path = op.path.replace(/\{([^}]+)\}/g, () => (r() < 0.3 ? String(1 + Math.floor(r() * 5)) : pick(r, JUNK_PATH)));
  const query = new URLSearchParams();
  for (const p of op.params) if (p.in === "query" && r() < 0.7) query.set(p.name, String(r() < 0.5 ? junkValue(r) : pick(r, JUNK_PATH)));
  if (r() < 0.1) query.set(pick(r, ["limit", "offset", "before", "after", "since", "q"]), pick(r, ["-1", "1e309", "NaN", "99999999999999999999"]));
  const qs = query.toString();
  const headers = {};
  const t = r();
  if (t < 0.7) headers.Authorization = `Bearer ${tokens.valid}`;
  else if (t < 0.8) headers.Authorization = `Bearer ${pick(r, ["x", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", tokens.valid.slice(0, -3) + "abc", "a.b.c"])}`;
  else if (t < 0.85) headers.Authorization = pick(r, ["Basic Zm9vOmJhcg==", "Bearer", "bearer  x y", "\u00ff"]);
  let body;
  if (op.method !== "GET" && (op.method !== "DELETE" || r() < 0.3)) {
    const b = r();
    if (b < 0.45 && op.body) body = JSON.stringify(junkObject(r, op.body, components));
    else if (b < 0.75) body = pick(r, BAD_BODIES);
    else if (b < 0.85) body = JSON.stringify(junkValue(r));
    else if (b < 0.9) body = "x".repeat(1024 * 1024 + 10); // over the JSON limit
    if (body !== undefined) headers["Content-Type"] = r() < 0.9 ? "application/json" : pick(r, ["text/plain", "multipart/form-data; boundary=x", "application/json; charset=utf-16"]);
  }
  // The ISO-8859-1 range only: fetch refuses other header bytes before sending.
  if (headers.Authorization && /[^\x20-\xff]/.test(headers.Authorization)) delete headers.Authorization;
  return { method: op.method, url: `/api/v1${path.replace(/^\/api\/v1/, "")}${qs ? `?${qs}` : ""}`, headers, body, op: `${op.method} ${op.path}` };
}
