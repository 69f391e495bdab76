import { staticBalancer } from '@flotilla/kit/discovery';
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitPolicy } from '../../routes/route.js';
import { echoUpstream } from '../../testing/echo-upstream.js';
import { startTestGateway, testRoute } from '../../testing/test-gateway.js';
import { LocalRateLimiter } from './local-rate-limiter.js';

const policy: RateLimitPolicy = { limit: 5, windowMs: 60_000, burst: 5, key: 'ip' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe('GCRA', () => {
  it('allows a burst, then one request per emission interval', async () => {
    const limiter = new LocalRateLimiter();
    cleanups.push(() => limiter.close());
    const t0 = 1_000_000;
    const decisions = Array.from({ length: 6 }, () => limiter.take('a', policy, t0));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.map((decision) => decision.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    expect(decisions[5]!.retryAfterSeconds).toBe(12);
    expect(limiter.take('a', policy, t0 + 11_999).allowed).toBe(false);
    expect(limiter.take('a', policy, t0 + 12_000).allowed).toBe(true);
    expect(limiter.take('b', policy, t0).allowed).toBe(true);
  });

  it('keeps a sustained rate under a burst larger than the limit', () => {
    const limiter = new LocalRateLimiter();
    cleanups.push(() => limiter.close());
    const bursty = { ...policy, limit: 2, windowMs: 1_000, burst: 4 };
    let allowed = 0;
    for (let t = 0; t < 10_000; t += 50) if (limiter.take('c', bursty, t).allowed) allowed++;
    // 4 at once, then 2 per second over 10 s.
    expect(allowed).toBeGreaterThanOrEqual(22);
    expect(allowed).toBeLessThanOrEqual(24);
  });
});

describe('rate limits through the gateway', () => {
  it('answers the N+1-th request in the window with 429, RateLimit-* and Retry-After', async () => {
    const users = await echoUpstream();
    const gateway = await startTestGateway(
      [testRoute({ prefix: '/api/users', service: 'users', rateLimit: policy })],
      staticBalancer({ users: [users.url] }),
    );
    cleanups.push(
      () => gateway.close(),
      () => users.close(),
    );
    for (let index = 0; index < 5; index++) {
      const response = await fetch(`${gateway.url}/api/users/1`);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('5');
      expect(response.headers.get('ratelimit-remaining')).toBe(String(4 - index));
      expect(response.headers.get('ratelimit-policy')).toBe('5;w=60;burst=5');
    }
    const refused = await fetch(`${gateway.url}/api/users/1`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(11);
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(59);
    expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(users.seen).toHaveLength(5);
  });
});
