import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../support/fault-proxy.js';
import { kill, repositoryRoot, type SpawnedService, spawnService } from '../support/spawn-service.js';
import { until } from '../support/until.js';
import { recordFigure } from './support/record-figure.js';

/**
 * Scenario 4: users black-holed (connections accepted, nothing ever answered) behind the gateway
 * (gateway → users) and behind orders (orders → users, through the service client). Deadlines must
 * hold, no request may hang, both breakers must open, and the time to recover once the black hole
 * is lifted is reported.
 */
const GATEWAY_TIMEOUT_MS = 500;
const CLIENT_TIMEOUT_MS = 300;
// Scheduling slack: on a shared 2-core machine under load a process can wait hundreds of ms for a
// core. A deadline that does not hold shows as the 10 s hang guard, or a multiple of the timeout.
// The figure reports what was measured.
const MARGIN_MS = 1_000;
const HALF_OPEN_AFTER_MS = 1_000;
const WAVES = 6;
const PER_WAVE = 10;

let controlPlane: SpawnedService;
let users: SpawnedService;
let gatewayToUsers: FaultProxy;
let ordersToUsers: FaultProxy;
let orders: SpawnedService;
let gateway: SpawnedService;
let userId: string;
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-blackhole-'));

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly code: string | undefined;
  readonly ms: number;
}

/** One request with a hang guard far beyond every configured deadline: a hang fails the test. */
async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const begun = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const body = text.startsWith('{') ? (JSON.parse(text) as { code?: string }) : {};
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    code: body.code,
    ms: performance.now() - begun,
  };
}

// Through the gateway, whose route deadline and breaker guard users.
const readUser = () => request(`${gateway.url}/api/users/${userId}`);
// Straight to orders, whose service client's deadline and breaker guard its call to users.
const placeOrder = () =>
  request(`${orders.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, items: [{ sku: 'TEA-1', quantity: 1, unitPrice: 450 }] }),
  });

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The state of orders' client breaker for users, from its internal breakers route. */
async function usersBreaker(): Promise<string | undefined> {
  const response = await fetch(`${orders.url}/internal/breakers`, { signal: AbortSignal.timeout(5_000) });
  const { breakers } = (await response.json()) as { breakers: { target: string; state: string }[] };
  return breakers.find((breaker) => breaker.target === 'users')?.state;
}

/** Waves of concurrent calls while the black hole is on. */
async function underBlackHole(call: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let wave = 0; wave < WAVES; wave++) {
    answers.push(...(await Promise.all(Array.from({ length: PER_WAVE }, call))));
  }
  return answers;
}

/** Milliseconds from now until `call` first answers 2xx (polled every 50 ms). */
async function recoveryMs(call: () => Promise<Answer>): Promise<number> {
  const begun = performance.now();
  await until(
    'a 2xx answer',
    async () => {
      const answer = await call();
      return answer.status >= 200 && answer.status < 300;
    },
    30_000,
    50,
  );
  return performance.now() - begun;
}

const entry = (path: string) => join(repositoryRoot, path);

beforeAll(async () => {
  controlPlane = await spawnService(
    entry('packages/control-plane/src/main.ts'),
    {
      PORT: '0',
      LOG_LEVEL: 'info',
      REGISTRY_SNAPSHOT_PATH: join(scratch, 'registry.json'),
    },
    60_000,
  );
  // Users stays out of the registry: orders must reach it through the proxy and nothing else.
  users = await spawnService(
    entry('services/users/src/main.ts'),
    { LOG_LEVEL: 'info', DATA_DIR: join(scratch, 'users') },
    90_000,
  );
  const created = await fetch(`${users.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Ada', email: 'ada@blackhole.example' }),
  });
  userId = ((await created.json()) as { id: string }).id;
  gatewayToUsers = await FaultProxy.start(users.url);
  ordersToUsers = await FaultProxy.start(users.url);
  // The proxy is users' only instance, registered without a check, so the registry keeps offering
  // it while it is dark: the client's own deadline and breaker are what is under test.
  const registered = await fetch(`${controlPlane.url}/v1/agent/service/register`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ID: 'users-behind-proxy',
      Name: 'users',
      Address: '127.0.0.1',
      Port: ordersToUsers.port,
    }),
  });
  expect(registered.status).toBe(200);
  orders = await spawnService(
    entry('services/orders/src/main.ts'),
    {
      LOG_LEVEL: 'info',
      DATA_DIR: join(scratch, 'orders'),
      REGISTRY_URL: controlPlane.url,
      REGISTRY_CHECK_INTERVAL: '500ms',
      CLIENT_USERS_TIMEOUT: `${CLIENT_TIMEOUT_MS}ms`,
      CLIENT_USERS_ATTEMPT_TIMEOUT: `${CLIENT_TIMEOUT_MS / 2}ms`,
      CLIENT_USERS_BREAKER_THRESHOLD: '5',
      CLIENT_USERS_BREAKER_HALF_OPEN_AFTER: `${HALF_OPEN_AFTER_MS}ms`,
    },
    90_000,
  );
  const routesFile = join(scratch, 'routes.json');
  writeFileSync(
    routesFile,
    JSON.stringify({
      routes: [{ prefix: '/api/users', service: 'users' }],
    }),
  );
  gateway = await spawnService(
    entry('packages/gateway/src/main.ts'),
    {
      PORT: '0',
      LOG_LEVEL: 'info',
      ROUTES_FILE: routesFile,
      UPSTREAMS: `users=${gatewayToUsers.url}`,
      ROUTE_TIMEOUT: `${GATEWAY_TIMEOUT_MS}ms`,
      ROUTE_RETRIES: '0',
      RATE_LIMIT: '0',
      BREAKER_THRESHOLD: '5',
      BREAKER_HALF_OPEN_AFTER: `${HALF_OPEN_AFTER_MS}ms`,
    },
    60_000,
  );
  // Orders learns users' instance from the registry's watch: wait until an order goes through.
  await until('an order placed', async () => (await placeOrder()).status === 201);
}, 240_000);

afterAll(async () => {
  for (const service of [gateway, orders, users, controlPlane]) await kill(service);
  await gatewayToUsers?.close();
  await ordersToUsers?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('black-holed upstream', () => {
  it('holds gateway and client deadlines, answers every request, opens the breakers and recovers', async () => {
    expect((await readUser()).status).toBe(200);

    gatewayToUsers.set({ blackhole: true });
    ordersToUsers.set({ blackhole: true });
    const viaGateway = await underBlackHole(readUser);
    const viaClient = await underBlackHole(placeOrder);
    const clientBreakerWhileDark = await usersBreaker();

    gatewayToUsers.clear();
    ordersToUsers.clear();
    const [gatewayRecoveryMs, clientRecoveryMs] = await Promise.all([
      recoveryMs(readUser),
      recoveryMs(placeOrder),
    ]);

    const all = [...viaGateway, ...viaClient];
    const gatewayP99 = percentile(
      viaGateway.map((answer) => answer.ms),
      99,
    );
    const clientP99 = percentile(
      viaClient.map((answer) => answer.ms),
      99,
    );
    const statuses = (answers: Answer[]) =>
      Object.entries(
        answers.reduce<Record<string, number>>((counts, answer) => {
          const key = `${answer.status} ${answer.code ?? ''}`.trim();
          counts[key] = (counts[key] ?? 0) + 1;
          return counts;
        }, {}),
      )
        .map(([key, count]) => `${count}× ${key}`)
        .join(', ');
    recordFigure(import.meta.url, {
      id: '4-blackholed-upstream',
      title: 'Black-holed upstream (gateway → users, orders → users)',
      result: `hung 0 of ${all.length}; gateway p99 ${Math.round(gatewayP99)} ms (timeout ${GATEWAY_TIMEOUT_MS} ms), client p99 ${Math.round(clientP99)} ms (timeout ${CLIENT_TIMEOUT_MS} ms); breakers opened; recovered in ${Math.round(gatewayRecoveryMs)} ms (gateway) / ${Math.round(clientRecoveryMs)} ms (orders)`,
      measurements: {
        requests: all.length,
        hung: 0,
        gatewayTimeoutMs: GATEWAY_TIMEOUT_MS,
        gatewayP50Ms: Math.round(
          percentile(
            viaGateway.map((answer) => answer.ms),
            50,
          ),
        ),
        gatewayP99Ms: Math.round(gatewayP99),
        gatewayStatuses: statuses(viaGateway),
        clientTimeoutMs: CLIENT_TIMEOUT_MS,
        clientP50Ms: Math.round(
          percentile(
            viaClient.map((answer) => answer.ms),
            50,
          ),
        ),
        clientP99Ms: Math.round(clientP99),
        clientStatuses: statuses(viaClient),
        gatewayRecoveryMs: Math.round(gatewayRecoveryMs),
        clientRecoveryMs: Math.round(clientRecoveryMs),
      },
    });

    // Every request was answered (a hang would have tripped the 10 s guard) with a problem document.
    for (const answer of all) {
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect([503, 504]).toContain(answer.status);
    }
    expect(viaGateway[0]).toMatchObject({ status: 504 });
    expect(viaGateway.at(-1)).toMatchObject({ status: 503, code: 'CIRCUIT_OPEN' });
    expect(viaClient[0]).toMatchObject({ status: 504 });
    expect(viaClient.at(-1)).toMatchObject({ status: 503, code: 'CIRCUIT_OPEN' });
    expect(gatewayP99).toBeLessThanOrEqual(GATEWAY_TIMEOUT_MS + MARGIN_MS);
    expect(clientP99).toBeLessThanOrEqual(CLIENT_TIMEOUT_MS + MARGIN_MS);
    expect(clientBreakerWhileDark).toBe('open');
    expect(await usersBreaker()).toBe('closed');
  });
});
