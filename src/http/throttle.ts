// Throttles on the Workers Rate Limiting binding (wrangler.toml `ratelimits`, simulated locally by
// wrangler dev and the tests). Each rule is one binding, so its limit and period are configured
// there. Guessing (failed password checks) is counted apart, in src/auth/guesses.ts.
// Over a limit: 429 rate_limited with Retry-After (the rule's period). docs/security.md.
import { ApiError } from "./errors";

type Rule = {
  binding: (env: Env) => RateLimit;
  /** The binding's period (wrangler.toml), seconds: the Retry-After a refusal gives. */
  period: number;
  what: string;
};

export const RULES = {
  register: { binding: (e) => e.REGISTER_LIMITER, period: 60, what: "registrations from your address" },
  upload: { binding: (e) => e.UPLOAD_LIMITER, period: 60, what: "uploads" },
  search: { binding: (e) => e.SEARCH_LIMITER, period: 60, what: "searches" },
} satisfies Record<string, Rule>;

/** The client's address as Cloudflare gives it; null where there is none (requests made inside the worker's own tests). */
export const clientAddress = (req: Request) => req.headers.get("CF-Connecting-IP");

/** Counts one request against `rule` for `key`; 429 when over. */
export async function throttle(env: Env, rule: Rule, key: string): Promise<void> {
  const { success } = await rule.binding(env).limit({ key });
  if (!success)
    throw new ApiError(429, "rate_limited", `Too many ${rule.what}; try again in ${rule.period} seconds`, {
      headers: { "Retry-After": String(rule.period) },
      retry_after: rule.period,
    });
}
