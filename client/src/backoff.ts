// Reconnect delays: exponential, capped, with jitter so a server restart is not met by every
// client at the same instant ("equal jitter": half the delay fixed, half random).
export type BackoffOptions = {
  /** First delay, ms (default 500). */
  initialMs?: number;
  /** Largest delay, ms (default 30 000). */
  maxMs?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
  /** A number in [0, 1) (default Math.random); injectable for tests. */
  random?: () => number;
};

export function backoffDelay(attempt: number, o: BackoffOptions = {}): number {
  const initial = o.initialMs ?? 500;
  const max = o.maxMs ?? 30_000;
  const base = Math.min(max, initial * (o.factor ?? 2) ** Math.max(0, attempt));
  return Math.round(base / 2 + (o.random ?? Math.random)() * (base / 2));
}
