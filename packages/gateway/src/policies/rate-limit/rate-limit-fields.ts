import type { RateLimitPolicy } from '../../routes/route.js';
import type { RateLimitDecision } from './gcra.js';

// A route's policy changes only with the route table: its two constant fields are built once.
const policyFields = new WeakMap<RateLimitPolicy, readonly [string, string]>();

/**
 * Appends the IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers, the
 * `RateLimit-Limit`, `-Remaining`, `-Reset` form that clients and @fastify/rate-limit use), plus
 * `RateLimit-Policy` naming the window and burst, to a flat name/value list.
 */
export function pushRateLimitFields(fields: string[], decision: RateLimitDecision): void {
  const { policy } = decision;
  let constant = policyFields.get(policy);
  if (constant === undefined) {
    constant = [
      String(policy.limit),
      `${policy.limit};w=${Math.ceil(policy.windowMs / 1000)};burst=${policy.burst}`,
    ];
    policyFields.set(policy, constant);
  }
  fields.push(
    'ratelimit-limit',
    constant[0],
    'ratelimit-remaining',
    String(decision.remaining),
    'ratelimit-reset',
    String(decision.resetSeconds),
    'ratelimit-policy',
    constant[1],
  );
}
