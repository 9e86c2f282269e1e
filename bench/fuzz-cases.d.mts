// Types of fuzz-cases.mjs for test/fuzz.test.ts.
export type Operation = { method: string; path: string; params: { in: string; name: string }[]; body: unknown; multipart: boolean };
export type HostileRequest = { method: string; url: string; headers: Record<string, string>; body: string | undefined; op: string };
export function rng(seed: number): () => number;
export function operations(doc: unknown): Operation[];
export function hostileRequest(r: () => number, ops: Operation[], components: Record<string, unknown>, tokens: { valid: string }, i: number): HostileRequest;
