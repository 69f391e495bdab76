import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type RunningService, startService } from '@flotilla/kit';
import { staticBalancer } from '@flotilla/kit/discovery';
import { testDatabase } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../../tests/support/fault-proxy.js';
import { spawnUsers } from '../../../tests/support/spawn-users.js';
import { ordersService } from './orders-service.js';

const started: { stop(): Promise<void> }[] = [];
const databases: Awaited<ReturnType<typeof testDatabase>>[] = [];
let users: Awaited<ReturnType<typeof spawnUsers>>;
let userId: string;

/** An orders instance of its own (own breaker and budget) calling users at `usersUrl`. */
async function startOrders(usersUrl: string, environment: Record<string, string>): Promise<RunningService> {
  const database = await testDatabase();
  databases.push(database);
  const orders = await startService(ordersService, {
    environment: { LOG_LEVEL: 'silent', ...environment },
    database,
    balancer: staticBalancer({ users: [usersUrl] }),
  });
  started.push(orders);
  return orders;
}

async function placeOrder(orders: RunningService) {
  const begun = performance.now();
  const response = await fetch(`${orders.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, items: [{ sku: 'TEA-1', quantity: 1, unitPrice: 450 }] }),
    signal: AbortSignal.timeout(5_000), // hang guard
  });
  const body = (await response.json()) as { code?: string };
  return {
    status: response.status,
    body,
    retryAfter: response.headers.get('retry-after'),
    ms: performance.now() - begun,
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

beforeAll(async () => {
  users = await spawnUsers();
  const response = await fetch(`${users.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Ada', email: 'ada@resilience.example' }),
  });
  userId = ((await response.json()) as { id: string }).id;
}, 90_000); // spawning users with a fresh embedded database is slow on a busy machine
afterAll(async () => {
  for (const service of started.reverse()) await service.stop();
  await users?.stop();
  await Promise.all(databases.map((database) => database.dispose()));
});

describe('orders when users misbehaves', () => {
  it('answers within its timeout when users is slow (latency injected)', async () => {
    const proxy = await FaultProxy.start(users.url);
    started.push({ stop: () => proxy.close() });
    const orders = await startOrders(proxy.url, {
      CLIENT_USERS_TIMEOUT: '300ms',
      CLIENT_USERS_ATTEMPT_TIMEOUT: '150ms',
      CLIENT_USERS_BREAKER_THRESHOLD: '1000',
    });
    expect((await placeOrder(orders)).status).toBe(201);

    proxy.set({ latencyMs: 1_000, jitterMs: 100 });
    const results = [];
    for (let wave = 0; wave < 4; wave++) {
      results.push(...(await Promise.all(Array.from({ length: 10 }, () => placeOrder(orders)))));
    }
    for (const result of results) {
      expect(result.status).toBe(504);
      expect(result.body.code).toBe('UPSTREAM_TIMEOUT');
      expect(result.retryAfter).not.toBeNull();
    }
    const ms = results.map((result) => result.ms);
    console.info(
      `slow users (1000±100 ms), orders timeout 300 ms: p50 ${percentile(ms, 50).toFixed(0)} ms, ` +
        `p99 ${percentile(ms, 99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms over ${ms.length} requests`,
    );
    expect(Math.max(...ms)).toBeLessThan(3_000); // hang guard only; the figure is printed above

    proxy.clear();
    expect((await placeOrder(orders)).status).toBe(201);
  });

  it('opens the breaker when users is killed, then fails fast with 503 and Retry-After', async () => {
    const orders = await startOrders(users.url, {
      CLIENT_USERS_BREAKER_THRESHOLD: '3',
      CLIENT_USERS_BREAKER_HALF_OPEN_AFTER: '30s',
    });
    expect((await placeOrder(orders)).status).toBe(201);
    await users.stop(); // SIGKILL

    const failures = [];
    for (let i = 0; i < 3; i++) failures.push(await placeOrder(orders));
    for (const failure of failures) {
      expect(failure.status).toBe(503);
      expect(failure.body.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(failure.retryAfter).not.toBeNull();
    }
    const breakers = (await fetch(`${orders.url}/internal/breakers`).then((response) => response.json())) as {
      breakers: unknown[];
    };
    expect(breakers.breakers).toEqual([expect.objectContaining({ target: 'users', state: 'open' })]);

    const fast = [];
    for (let i = 0; i < 20; i++) fast.push(await placeOrder(orders));
    for (const result of fast) {
      expect(result.status).toBe(503);
      expect(result.body.code).toBe('CIRCUIT_OPEN');
      expect(Number(result.retryAfter)).toBeGreaterThanOrEqual(25);
    }
    const ms = fast.map((result) => result.ms);
    console.info(
      `users killed, breaker open: orders answers 503 in p50 ${percentile(ms, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(ms, 99).toFixed(1)} ms`,
    );
  });

  it('keeps upstream attempts within (1 + retry budget) × requests when users answers 503', async () => {
    let attempts = 0;
    const failing: Server = createServer((request, response) => {
      attempts++;
      request.resume();
      response.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"code":"OVERLOADED"}');
    });
    failing.listen(0, '127.0.0.1');
    await once(failing, 'listening');
    started.push({ stop: () => new Promise((resolve) => failing.close(() => resolve())) });
    const orders = await startOrders(`http://127.0.0.1:${(failing.address() as { port: number }).port}`, {
      CLIENT_USERS_RETRIES: '3',
      CLIENT_USERS_RETRY_BASE_DELAY: '1ms',
      CLIENT_USERS_RETRY_MAX_DELAY: '5ms',
      CLIENT_USERS_RETRY_BUDGET_PERCENT: '20',
      CLIENT_USERS_RETRY_BUDGET_MIN_PER_SECOND: '0',
      CLIENT_USERS_BREAKER_THRESHOLD: '1000',
    });
    const requests = 60;
    for (let i = 0; i < requests; i++) {
      const result = await placeOrder(orders);
      expect([result.status, result.body.code]).toEqual([503, 'UPSTREAM_UNAVAILABLE']);
    }
    console.info(`users answering 503: ${attempts} upstream attempts for ${requests} requests (budget 20%)`);
    expect(attempts).toBeGreaterThan(requests);
    expect(attempts).toBeLessThanOrEqual((1 + 0.2) * requests);
  });
});
