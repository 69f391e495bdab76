import type { RateLimitPolicy } from '../../routes/route.js';

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly policy: RateLimitPolicy;
  /** Requests that could be sent right now. */
  readonly remaining: number;
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number;
  /** Seconds until the next request would be allowed (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/**
 * GCRA (the generic cell rate algorithm, a token bucket kept as one timestamp): a request is one
 * emission interval T = window / limit; a bucket of `burst` requests is full when the theoretical
 * arrival time (TAT) is not ahead of now. Returns the decision and the TAT to store (unchanged when
 * refused). The Redis script in redis-rate-limiter.ts is the same arithmetic.
 */
export function gcra(
  storedTat: number | undefined,
  now: number,
  policy: RateLimitPolicy,
): { decision: RateLimitDecision; tat: number | undefined } {
  const interval = policy.windowMs / policy.limit;
  const tat = storedTat === undefined || storedTat < now ? now : storedTat;
  const next = tat + interval;
  const allowAt = next - policy.burst * interval;
  if (now < allowAt) {
    return { decision: refused(policy, allowAt - now, tat - now), tat: storedTat };
  }
  return { decision: allowed(policy, now - allowAt, next - now), tat: next };
}

export function allowed(policy: RateLimitPolicy, slackMs: number, fullInMs: number): RateLimitDecision {
  const interval = policy.windowMs / policy.limit;
  return {
    allowed: true,
    policy,
    remaining: Math.floor(slackMs / interval + 1e-9),
    resetSeconds: Math.ceil(fullInMs / 1000),
    retryAfterSeconds: 0,
  };
}

export function refused(policy: RateLimitPolicy, waitMs: number, fullInMs: number): RateLimitDecision {
  return {
    allowed: false,
    policy,
    remaining: 0,
    resetSeconds: Math.ceil(fullInMs / 1000),
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  };
}
