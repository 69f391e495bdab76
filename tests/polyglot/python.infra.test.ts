import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKafkaUrl } from '@flotilla/kit/events';
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot, type SpawnedService } from '../support/spawn-service.js';
import { until } from '../support/until.js';
import { untilCircuitOpen, whileFrozen } from './support/frozen-users.js';
import { callGateway, sendJson } from './support/gateway-call.js';
import { killWhileStoreLocked } from './support/kill-while-store-locked.js';
import { onDatabase } from './support/on-database.js';
import { passingInstances } from './support/passing-instances.js';
import { placeOrder } from './support/place-order.js';
import {
  type ReferenceSystemOnPostgres,
  startReferenceSystemOnPostgres,
} from './support/reference-system-on-postgres.js';
import { ancestry, callsMadeBy, newTraceparent, type Span, traceSpans } from './support/trace-query.js';

// The guide's Python service, examples/python (Flask, py-consul, pybreaker, SQLAlchemy, kafka-python,
// OpenTelemetry, pydantic-settings), joins the reference system through its wire contracts only, on
// real PostgreSQL and Kafka. Infra only: it needs the engines and examples/python/requirements.txt
// installed into the python3 on PATH (.ci/install-system-packages.sh).
const postgresUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const eventsUrl = process.env.FLOTILLA_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092';
const run = `py_${randomBytes(4).toString('hex')}`;
// A group of the run's own (under the kit's prefix, so the control plane reports its lag) reads
// orders' shared topic from the start; the run's own user tells its orders from earlier runs'.
const group = `flotilla.recommendations-${run}`;
const asyncGroup = `${group}-async`;
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-polyglot-python-'));
const USERS_TIMEOUT_MS = 1_000;

let system: ReferenceSystemOnPostgres;
let controlPlane: SpawnedService;
let gateway: SpawnedService;
let users: SpawnedService;
let recommendations: SpawnedService;

function startRecommendations(environment: Record<string, string> = {}) {
  return system.start(['python3', join(repositoryRoot, 'examples/python/main.py')], {
    DATABASE_URL: system.databaseOf('recommendations'),
    DATABASE_SCHEMA: 'recommendations',
    DB_POOL_SIZE: '3',
    REGISTRY_URL: controlPlane.url,
    REGISTRY_CHECK_INTERVAL: '300ms',
    REGISTRY_CHECK_TIMEOUT: '2s',
    EVENTS_URL: eventsUrl,
    EVENTS_GROUP: group,
    USERS_TIMEOUT: `${USERS_TIMEOUT_MS}ms`,
    BREAKER_FAIL_MAX: '3',
    BREAKER_RESET_TIMEOUT: '2s',
    ...system.otel(),
    ...environment,
  });
}

const call = (path: string, init?: RequestInit) => callGateway(gateway.url, path, init);

const post = (path: string, body: unknown, headers?: Record<string, string>) =>
  sendJson(gateway.url, 'POST', path, body, headers);

const passing = (service: string) => passingInstances(controlPlane.url, service);

/** The purchases recommendations stored for `userId`: order id → sku → quantity. */
async function storedPurchases(userId: string): Promise<Map<string, Map<string, number>>> {
  const rows = await onDatabase(
    system.databaseOf('recommendations'),
    async (client) =>
      (
        await client.query<{ order_id: string; sku: string; quantity: number }>(
          'SELECT order_id, sku, quantity FROM recommendations.purchases WHERE user_id = $1',
          [userId],
        )
      ).rows,
  );
  const orders = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const items = orders.get(row.order_id) ?? new Map<string, number>();
    items.set(row.sku, row.quantity);
    orders.set(row.order_id, items);
  }
  return orders;
}

async function createUser(name: string): Promise<string> {
  const user = await post('/api/users', { name, email: `${name.toLowerCase()}-${run}@python.example` });
  expect(user.status).toBe(201);
  return user.body.id as string;
}

beforeAll(async () => {
  system = await startReferenceSystemOnPostgres({
    run,
    postgresUrl,
    guests: ['recommendations'],
    eventsUrl,
    scratch,
    controlPlaneEnvironment: { EVENTS_URL: eventsUrl },
  });
  ({ controlPlane, gateway, users } = system);
  recommendations = await startRecommendations();
}, 240_000);

afterAll(async () => {
  await system?.stop();
  const admin = new Admin({
    clientId: `${run}-cleanup`,
    bootstrapBrokers: [...parseKafkaUrl(eventsUrl).brokers],
  });
  try {
    await admin.deleteGroups({ groups: [group, asyncGroup] });
  } catch {
    // A run that failed before the service joined left no group to delete.
  } finally {
    await admin.close();
  }
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

/** One request through the gateway, then its trace: users' server span descends from `service`'s, which descends from the gateway's. */
async function expectTraceThrough(service: string, userId: string): Promise<void> {
  const traceId = randomBytes(16).toString('hex');
  const answer = await call(`/api/${service}/${userId}`, {
    headers: { traceparent: newTraceparent(traceId) },
  });
  expect(answer.status).toBe(200);
  const spans = await traceSpans(controlPlane.url, traceId, (spans) => {
    const names = new Set(spans.map((span) => span.serviceName));
    return ['gateway', service, 'users'].every((name) => names.has(name));
  });
  const usersServer = spans.find((span) => span.serviceName === 'users' && span.kind === 'server');
  expect(usersServer).toBeDefined();
  const chain = ancestry(spans, usersServer as Span);
  expect(chain).toContain(service);
  expect(chain.indexOf('gateway')).toBeGreaterThan(chain.indexOf(service));
}

describe('the Python recommendations service in the reference system', () => {
  let ada: string;
  let adaRecommendations: Record<string, unknown>;

  it('registers with its route prefix and passes its readiness check (a database ping)', async () => {
    const [instance] = await until('recommendations passing', async () => {
      const list = await passing('recommendations');
      return list.length === 1 && list;
    });
    expect(instance?.Service.Meta['route-prefix']).toBe('/api/recommendations');
    const ready = await fetch(`${recommendations.url}/health/ready`);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: 'ok' } });
  });

  it('answers through the gateway with products bought together, and problem+json for bad input', async () => {
    ada = await createUser('Ada');
    const grace = await createUser('Grace');
    // Products of the run's own: the topic holds other runs' orders too.
    const [tea, cup, pot] = [`TEA-${run}`, `CUP-${run}`, `POT-${run}`];
    const orders = [
      [ada, await placeOrder(gateway.url, ada, [{ sku: tea, quantity: 1 }])],
      [
        grace,
        await placeOrder(gateway.url, grace, [
          { sku: tea, quantity: 1 },
          { sku: cup, quantity: 2 },
        ]),
      ],
      [
        grace,
        await placeOrder(gateway.url, grace, [
          { sku: tea, quantity: 1 },
          { sku: cup, quantity: 1 },
          { sku: pot, quantity: 1 },
        ]),
      ],
    ] as const;
    await until('the three orders stored', async () => {
      for (const [user, order] of orders) if (!(await storedPurchases(user)).has(order)) return false;
      return true;
    });
    const answer = await until('the gateway to route to recommendations', async () => {
      const reply = await call(`/api/recommendations/${ada}`);
      return reply.status === 200 && reply;
    });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    adaRecommendations = {
      userId: ada,
      products: [
        { sku: cup, boughtTogether: 2 },
        { sku: pot, boughtTogether: 1 },
      ],
    };
    expect(answer.body).toEqual(adaRecommendations);

    const invalid = await call(`/api/recommendations/${ada}?limit=lots`);
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(invalid.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      retryable: false,
      errors: [{ field: '/query/limit' }],
    });
    const unknown = await call('/api/recommendations/nobody-at-all');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('opens its breaker on users frozen, then fails fast with problem+json 503, and closes after', async () => {
    await whileFrozen(users, async () => {
      // Each call waits out the users timeout until the third failure opens the breaker.
      const failures = await untilCircuitOpen(() => call(`/api/recommendations/${ada}`));
      expect(failures[0]).toMatchObject({ status: 504, body: { code: 'UPSTREAM_TIMEOUT', retryable: true } });
      // Failing fast: refused without a call to users (which, frozen, could not have answered one),
      // so with no call timeout to wait out.
      const traceId = randomBytes(16).toString('hex');
      const fast = await call(`/api/recommendations/${ada}`, {
        headers: { traceparent: newTraceparent(traceId) },
      });
      expect(fast.status).toBe(503);
      expect(fast.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(fast.body).toMatchObject({ code: 'CIRCUIT_OPEN', retryable: true });
      expect(await callsMadeBy(controlPlane.url, traceId, 'recommendations')).toEqual([]);
    });
    // Past its reset timeout the breaker lets one call try users again, which now answers.
    await until(
      'the breaker closed again',
      async () => (await call(`/api/recommendations/${ada}`)).status === 200,
    );
  });

  it('holds one trace of gateway → recommendations → its call into users', async () => {
    await expectTraceThrough('recommendations', ada);
  });

  it('serves the same API from its FastAPI variant (HTTP_FRAMEWORK=fastapi)', async () => {
    // A second service of its own: its own schema and consumer group, routed at /api/recommendations-async.
    const variant = await startRecommendations({
      HTTP_FRAMEWORK: 'fastapi',
      SERVICE_NAME: 'recommendations-async',
      DATABASE_SCHEMA: 'recommendations_async',
      EVENTS_GROUP: asyncGroup,
    });
    expect(variant.stdout.join('')).toContain('"framework":"fastapi"');
    const [instance] = await until('recommendations-async passing', async () => {
      const list = await passing('recommendations-async');
      return list.length === 1 && list;
    });
    expect(instance?.Service.Meta['route-prefix']).toBe('/api/recommendations-async');
    const answer = await until('its consumer caught up with the orders so far', async () => {
      const reply = await call(`/api/recommendations-async/${ada}`);
      return (
        reply.status === 200 && JSON.stringify(reply.body) === JSON.stringify(adaRecommendations) && reply
      );
    });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const invalid = await call(`/api/recommendations-async/${ada}?limit=0`);
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(invalid.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: '/query/limit' }] });
    await expectTraceThrough('recommendations-async', ada);
  });

  it('commits an order event only once it is stored: killed mid-stream and restarted, every order once', {
    timeout: 180_000,
  }, async () => {
    const linus = await createUser('Linus');
    const expected = new Map<string, Map<string, number>>();
    const place = async (index: number) => {
      const items = [
        { sku: `SKU-${index % 4}-${run}`, quantity: index + 1 },
        { sku: `BAG-${run}`, quantity: 1 },
      ];
      const id = await placeOrder(gateway.url, linus, items);
      expected.set(id, new Map(items.map((item) => [item.sku, item.quantity])));
    };
    for (let index = 0; index < 8; index++) await place(index);
    await until('the first orders stored', async () => (await storedPurchases(linus)).size >= 1);

    // Its store held up by a lock, the service has read the next orders but cannot store them.
    await killWhileStoreLocked(
      recommendations,
      {
        databaseUrl: system.databaseOf('recommendations'),
        table: 'recommendations.consumed_events',
        application: 'recommendations',
        insert: 'INSERT INTO consumed_events%',
      },
      async () => {
        for (let index = 8; index < 14; index++) await place(index);
      },
    );
    for (let index = 14; index < 20; index++) await place(index);

    recommendations = await startRecommendations();
    const stored = await until(
      'every order stored after the restart',
      async () => {
        const now = await storedPurchases(linus);
        return [...expected.keys()].every((id) => now.has(id)) && now;
      },
      120_000,
    );
    // Exactly once: quantities summed twice would show a redelivery stored twice.
    expect(stored).toEqual(expected);
  });

  it('deregisters on SIGTERM and exits 0', async () => {
    const id = await until(
      'the restarted instance registered',
      () => /"msg":"registered"[^\n]*"instance":"([^"]+)"/.exec(recommendations.stdout.join(''))?.[1],
    );
    await until('it passing', async () =>
      (await passing('recommendations')).some((entry) => entry.Service.ID === id),
    );
    recommendations.child.kill('SIGTERM');
    expect(await recommendations.exited).toEqual({ code: 0, signal: null });
    // The instance killed before is still listed, critical, until the registry reaps it.
    const listed = (await (await fetch(`${controlPlane.url}/v1/health/service/recommendations`)).json()) as {
      Service: { ID: string };
    }[];
    expect(listed.map((entry) => entry.Service.ID)).not.toContain(id);
  });
});
