import { createMetrics } from '@flotilla/kit/telemetry';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../gateway-metrics.js';
import type { RateLimitPolicy } from '../../routes/route.js';
import { testContext } from '../../testing/test-context.js';
import { testRoute } from '../../testing/test-gateway.js';
import { rateLimit } from './index.js';
import { LocalRateLimiter } from './local-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

function metrics(): GatewayMetrics {
  return new GatewayMetrics(createMetrics({ service: 'gateway' }), new LocalRateLimiter());
}

function limited(key: RateLimitPolicy['key']) {
  const route = testRoute({
    prefix: '/api/users',
    service: 'users',
    rateLimit: { limit: 1, windowMs: 60_000, burst: 1, key },
  });
  return { guard: rateLimit(new LocalRateLimiter(), metrics()), route };
}

describe('rate limit', () => {
  it('passes routes without a limit and adds no fields', () => {
    const context = testContext();
    expect(rateLimit(new LocalRateLimiter(), metrics())(context)).toBeUndefined();
    expect(context.answerHeaders).toEqual(['x-request-id', context.requestId]);
  });

  it('adds the RateLimit fields, then refuses with 429 past the limit', () => {
    const { guard, route } = limited('ip');
    const first = testContext({ route });
    expect(guard(first)).toBeUndefined();
    expect(first.answerHeaders).toContain('ratelimit-remaining');
    expect(guard(testContext({ route }))).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 60 });
  });

  it('counts per verified subject, per API key, and falls back to the client address', () => {
    const { guard, route } = limited('subject');
    const alice = testContext({ route });
    alice.identity = { subject: 'alice', claims: {}, claimsHeader: '' };
    expect(guard(alice)).toBeUndefined();
    expect(guard(testContext({ route }))).toBeUndefined();
    expect(guard(testContext({ route, peer: '10.0.0.2' }))).toBeUndefined();
    const keyed = limited('api-key');
    expect(keyed.guard(testContext({ route: keyed.route, headers: { 'x-api-key': 'k1' } }))).toBeUndefined();
    expect(keyed.guard(testContext({ route: keyed.route, headers: { 'x-api-key': 'k2' } }))).toBeUndefined();
  });

  it('waits only for a limiter that answers with a promise', async () => {
    const { route } = limited('ip');
    const local = new LocalRateLimiter();
    const shared: RateLimiter = {
      take: async (bucket, policy) => local.take(bucket, policy),
      close: async () => {},
    };
    const verdict = rateLimit(shared, metrics())(testContext({ route }));
    expect(verdict).toBeInstanceOf(Promise);
    expect(await verdict).toBeUndefined();
  });
});
