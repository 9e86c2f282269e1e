// Per-sender token buckets for one room. Kept in memory on purpose: losing them when the object
// is evicted only forgives a sender who has been idle long enough for the bucket to refill anyway.
export class RateLimiter {
  private buckets = new Map<number, { tokens: number; at: number }>();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes a token for `key`; returns 0 when allowed, else the seconds to wait. */
  take(key: number, now = Date.now()): number {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    // Refused attempts still cost, down to one burst of debt: a sender who keeps hammering stays
    // limited instead of slipping a message through each time a token trickles back.
    b.tokens = Math.max(b.tokens - 1, -this.burst);
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  /** A sender closed for abuse cools down for a whole burst's worth of time. */
  penalize(key: number, now = Date.now()) {
    this.buckets.set(key, { tokens: -this.burst, at: now });
  }
}
