import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, type Toxics } from '../support/fault-proxy.js';
import { kill, repositoryRoot, type SpawnedService, spawnService } from '../support/spawn-service.js';
import { until } from '../support/until.js';
import { recordFigure } from './support/record-figure.js';

const redisUrl = process.env.FLOTILLA_TEST_REDIS_URL!;
// 10 requests a second per client, sent 30 a second: two in three are refused when limits hold.
const LIMIT_PER_S = 10;
const SEND_PER_S = 30;
const PHASE_MS = 5_000;
// A client key of this run alone: other tests share this Redis and the same route.
const apiKey = `reliability-${randomUUID()}`;
const bucketKey = `flotilla:rate:/api/users|k:${apiKey}`;

let upstream: Server;
let proxy: FaultProxy;
let gateway: SpawnedService;
let redis: Redis;

beforeAll(async () => {
  upstream = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  proxy = await FaultProxy.start(`http://${new URL(redisUrl).host}`);
  gateway = await spawnService(join(repositoryRoot, 'packages/gateway/src/main.ts'), {
    LOG_LEVEL: 'info',
    OTEL_SDK_DISABLED: 'true',
    PORT: '0',
    ROUTES_FILE: join(repositoryRoot, 'packages/gateway/routes.json'),
    UPSTREAMS: `users=http://127.0.0.1:${(upstream.address() as { port: number }).port}`,
    RATE_LIMIT: String(LIMIT_PER_S),
    RATE_LIMIT_WINDOW: '1s',
    RATE_LIMIT_KEY: 'api-key',
    RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
  });
  redis = new Redis(redisUrl);
});
afterAll(async () => {
  await kill(gateway);
  await proxy?.close();
  upstream?.close();
  redis?.disconnect();
});

interface Phase {
  readonly statuses: Map<number, number>;
  readonly p99Ms: number;
}

/** `SEND_PER_S` requests a second for `PHASE_MS`, at fixed times whatever the answers take. */
async function phase(): Promise<Phase> {
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  const sent: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < (SEND_PER_S * PHASE_MS) / 1000; i++) {
    await sleep(Math.max(0, started + (i * 1000) / SEND_PER_S - performance.now()));
    const at = performance.now();
    sent.push(
      fetch(`${gateway.url}/api/users`, {
        headers: { 'x-api-key': apiKey },
        signal: AbortSignal.timeout(5_000),
      })
        .then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        })
        .catch(() => 0)
        .then((status) => {
          latencies.push(performance.now() - at);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }),
    );
  }
  await Promise.all(sent);
  latencies.sort((a, b) => a - b);
  return { statuses, p99Ms: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0) };
}

async function usingFallback(): Promise<boolean> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return /^gateway_rate_limit_local_fallback(\{[^}]*\})? 1$/m.test(text);
}

const show = (result: Phase) =>
  `${[...result.statuses].map(([status, count]) => `${count}× ${status}`).join(', ')} (p99 ${result.p99Ms} ms)`;

describe('Redis of the gateway rate limits down', () => {
  it('falls back to local limits: still 429s, never a 5xx, and back to Redis once it returns', async () => {
    const shared = await phase();
    const sharedTtlMs = await redis.pttl(bucketKey);

    const outage: Record<string, Phase> = {};
    for (const [name, toxics] of [
      ['reset', { reset: true }],
      ['blackhole', { blackhole: true }],
    ] as [string, Toxics][]) {
      proxy.set(toxics);
      outage[name] = await phase();
    }
    const fallbackDuringOutage = await usingFallback();

    await redis.del(bucketKey);
    proxy.clear();
    const restoredAt = performance.now();
    // The limiter learns that Redis is back from the requests it decides.
    await until('the gateway to use Redis again', async () => {
      await fetch(`${gateway.url}/api/users`, { headers: { 'x-api-key': apiKey } }).then((r) =>
        r.arrayBuffer(),
      );
      return !(await usingFallback());
    });
    const recoveryMs = performance.now() - restoredAt;
    const after = await phase();
    const bucketAfter = await redis.exists(bucketKey);

    const all = [shared, ...Object.values(outage), after];
    const fiveXx = all
      .flatMap((result) => [...result.statuses])
      .filter(([status]) => status >= 500 || status === 0)
      .reduce((sum, [, count]) => sum + count, 0);
    recordFigure(import.meta.url, {
      id: '6-redis-down',
      title: `Redis of the gateway's rate limits cut (fault proxy), ${SEND_PER_S} req/s against a limit of ${LIMIT_PER_S}/s`,
      result: `5xx ${fiveXx}; Redis up: ${show(shared)}; reset: ${show(outage.reset!)}; black hole: ${show(outage.blackhole!)}; back on Redis ${Math.round(recoveryMs)} ms after it returned: ${show(after)}`,
      measurements: {
        fiveXx,
        sharedOk: shared.statuses.get(200) ?? 0,
        sharedLimited: shared.statuses.get(429) ?? 0,
        resetOk: outage.reset!.statuses.get(200) ?? 0,
        resetLimited: outage.reset!.statuses.get(429) ?? 0,
        resetP99Ms: outage.reset!.p99Ms,
        blackholeOk: outage.blackhole!.statuses.get(200) ?? 0,
        blackholeLimited: outage.blackhole!.statuses.get(429) ?? 0,
        blackholeP99Ms: outage.blackhole!.p99Ms,
        recoveryMs: Math.round(recoveryMs),
        afterOk: after.statuses.get(200) ?? 0,
        afterLimited: after.statuses.get(429) ?? 0,
      },
    });
    expect(fiveXx).toBe(0);
    for (const result of all) {
      expect([...result.statuses.keys()].sort()).toEqual([200, 429]);
      // At most the burst plus the sustained rate over the phase get through, wherever decided.
      expect(result.statuses.get(200)).toBeLessThanOrEqual(LIMIT_PER_S + (LIMIT_PER_S * PHASE_MS) / 1000 + 2);
    }
    expect(sharedTtlMs).toBeGreaterThan(0);
    expect(fallbackDuringOutage).toBe(true);
    expect(bucketAfter).toBe(1);
  });
});
