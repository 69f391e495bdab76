import type { ServerResponse } from 'node:http';
import type { RateLimitDecision } from './gcra.js';

/**
 * IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers, the `RateLimit-Limit`,
 * `-Remaining`, `-Reset` form that clients and @fastify/rate-limit use), plus `RateLimit-Policy`
 * naming the window and burst.
 */
export function setRateLimitHeaders(response: ServerResponse, decision: RateLimitDecision): void {
  const { policy } = decision;
  response.setHeader('ratelimit-limit', String(policy.limit));
  response.setHeader('ratelimit-remaining', String(decision.remaining));
  response.setHeader('ratelimit-reset', String(decision.resetSeconds));
  response.setHeader(
    'ratelimit-policy',
    `${policy.limit};w=${Math.ceil(policy.windowMs / 1000)};burst=${policy.burst}`,
  );
}
