import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { staticBalancer } from '@flotilla/kit/discovery';
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitPolicy } from '../../routes/route.js';
import { echoUpstream } from '../../testing/echo-upstream.js';
import { startTestGateway, testRoute } from '../../testing/test-gateway.js';
import { LocalRateLimiter } from './local-rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

const REDIS_URL = process.env.FLOTILLA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function closedRedisUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `redis://127.0.0.1:${port}`;
}

async function replica(redisUrl: string, policy: RateLimitPolicy, keyPrefix: string, upstreamUrl: string) {
  const limiter = new RedisRateLimiter({ url: redisUrl, timeoutMs: 200, keyPrefix }, new LocalRateLimiter());
  const gateway = await startTestGateway(
    [testRoute({ prefix: '/api/users', service: 'users', rateLimit: policy })],
    staticBalancer({ users: [upstreamUrl] }),
    { rateLimiter: limiter },
  );
  cleanups.push(() => gateway.close());
  return { gateway, limiter };
}

describe('Redis rate limits', () => {
  it('two gateway replicas share one limit', async () => {
    const users = await echoUpstream();
    cleanups.push(() => users.close());
    const policy: RateLimitPolicy = { limit: 10, windowMs: 60_000, burst: 10, key: 'ip' };
    const keyPrefix = `flotilla-test:${randomUUID()}:`;
    const a = await replica(REDIS_URL, policy, keyPrefix, users.url);
    const b = await replica(REDIS_URL, policy, keyPrefix, users.url);
    // Let both connect, so no request is decided by the local fallback.
    await Promise.all([fetch(`${a.gateway.url}/health/live`), fetch(`${b.gateway.url}/health/live`)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const statuses: number[] = [];
    for (let index = 0; index < 15; index++) {
      const target = index % 2 === 0 ? a : b;
      statuses.push((await fetch(`${target.gateway.url}/api/users/1`)).status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(5);
    expect(a.limiter.usingFallback || b.limiter.usingFallback).toBe(false);
  });

  it('falls back to local limits when Redis is unreachable: no 5xx, limits still enforced', async () => {
    const users = await echoUpstream();
    cleanups.push(() => users.close());
    const policy: RateLimitPolicy = { limit: 5, windowMs: 60_000, burst: 5, key: 'ip' };
    const { gateway, limiter } = await replica(await closedRedisUrl(), policy, 'unused:', users.url);
    const statuses: number[] = [];
    for (let index = 0; index < 8; index++) statuses.push((await fetch(`${gateway.url}/api/users/1`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(limiter.usingFallback).toBe(true);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_rate_limit_local_fallback\{[^}]*\} 1/);
  });
});
