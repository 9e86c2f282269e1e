// The health check's rule, for its door (./health.ts): it proves the two things every request
// needs, D1 answering a query and a room object answering a call (the object of room 0, which no
// room uses). Each probe gives up after CHECK_TIMEOUT_MS: a hung dependency is a failed one.
import { roomStub } from "../room/client";
import pkg from "../../package.json";
import { errorFields, log } from "./log";

export type Check = { ok: boolean; ms: number; error?: string };
export type HealthReport = { status: "ok" | "unavailable"; version: string; checks: { d1: Check; room_object: Check } };

/** Each check gives up after this long: a hung dependency is a failed one. */
const CHECK_TIMEOUT_MS = 3_000;

async function check(name: string, probe: () => Promise<unknown>): Promise<Check> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS))),
    ]);
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    log("error", "health check failed", { check: name, ...errorFields(err) });
    return { ok: false, ms: Date.now() - started, error: err instanceof Error ? err.message : String(err) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Both probes at once; "unavailable" when either fails. */
export async function healthReport(env: Env): Promise<HealthReport> {
  const [d1, room] = await Promise.all([
    check("d1", () => env.DB.prepare("SELECT 1 AS one").first()),
    check("room_object", () => roomStub(env, 0).ping()),
  ]);
  return { status: d1.ok && room.ok ? "ok" : "unavailable", version: pkg.version, checks: { d1, room_object: room } };
}
