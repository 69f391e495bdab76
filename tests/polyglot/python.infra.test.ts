import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKafkaUrl } from '@flotilla/kit/events';
import { Admin } from '@platformatic/kafka';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kill, repositoryRoot, type SpawnedService, spawnService } from '../support/spawn-service.js';
import { until } from '../support/until.js';

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
const SERVICES = ['users', 'orders', 'notifications', 'recommendations'] as const;
const USERS_TIMEOUT_MS = 1_000;

const started: SpawnedService[] = [];
let controlPlane: SpawnedService;
let gateway: SpawnedService;
let users: SpawnedService;
let recommendations: SpawnedService;

function databaseOf(service: (typeof SERVICES)[number]): string {
  const url = new URL(postgresUrl);
  url.pathname = `/${run}_${service}`;
  return url.href;
}

async function onDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function start(entry: string | string[], environment: Record<string, string>) {
  const service = await spawnService(entry, environment, 90_000);
  started.push(service);
  return service;
}

const otel = (endpoint: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_BSP_SCHEDULE_DELAY: '200',
});

function startRecommendations(environment: Record<string, string> = {}) {
  return start(['python3', join(repositoryRoot, 'examples/python/main.py')], {
    DATABASE_URL: databaseOf('recommendations'),
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
    ...otel(controlPlane.url),
    ...environment,
  });
}

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Record<string, unknown>;
  readonly elapsedMs: number;
}

async function call(path: string, init: RequestInit = {}): Promise<Answer> {
  const began = performance.now();
  const response = await fetch(`${gateway.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) }); // hang guard
  const body = (await response.json()) as Record<string, unknown>;
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body,
    elapsedMs: performance.now() - began,
  };
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

async function passing(
  service: string,
): Promise<{ Service: { ID: string; Meta: Record<string, string> } }[]> {
  const response = await fetch(`${controlPlane.url}/v1/health/service/${service}?passing=true`);
  return (await response.json()) as { Service: { ID: string; Meta: Record<string, string> } }[];
}

/** The purchases recommendations stored for `userId`: order id → sku → quantity. */
async function storedPurchases(userId: string): Promise<Map<string, Map<string, number>>> {
  const rows = await onDatabase(
    databaseOf('recommendations'),
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

/** One order through the gateway; orders may answer 503 until its registry watcher has seen users. */
async function placeOrder(userId: string, items: { sku: string; quantity: number }[]): Promise<string> {
  const key = { 'idempotency-key': randomUUID() };
  const order = await until('an order placed', async () => {
    const answer = await post(
      '/api/orders',
      { userId, items: items.map((item) => ({ ...item, unitPrice: 250 })) },
      key,
    );
    return answer.status === 201 && answer;
  });
  return order.body.id as string;
}

beforeAll(async () => {
  await onDatabase(postgresUrl, async (admin) => {
    for (const service of SERVICES) await admin.query(`CREATE DATABASE "${run}_${service}"`);
  });
  controlPlane = await start(join(repositoryRoot, 'packages/control-plane/src/main.ts'), {
    PORT: '0',
    LOG_LEVEL: 'info',
    REGISTRY_SNAPSHOT_PATH: join(scratch, 'registry.json'),
    CHECK_TICK: '20ms',
    EVENTS_URL: eventsUrl,
  });
  // One at a time: processes starting at once starve a 2-core machine.
  for (const service of ['notifications', 'orders', 'users'] as const) {
    const spawned = await start(join(repositoryRoot, 'services', service, 'src/main.ts'), {
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseOf(service),
      DB_POOL_MAX: '3',
      REGISTRY_URL: controlPlane.url,
      // Users is checked once a minute: frozen, it stays listed as passing, so the Python service's
      // calls reach it and time out — the slow dependency its breaker is for.
      REGISTRY_CHECK_INTERVAL: service === 'users' ? '1m' : '300ms',
      REGISTRY_CHECK_TIMEOUT: '2s',
      REGISTRY_SYNC_INTERVAL: '500ms',
      EVENTS_URL: eventsUrl,
      ...otel(controlPlane.url),
    });
    if (service === 'users') users = spawned;
  }
  gateway = await start(join(repositoryRoot, 'packages/gateway/src/main.ts'), {
    PORT: '0',
    LOG_LEVEL: 'info',
    REGISTRY_URL: controlPlane.url,
    REGISTRY_ROUTES_REFRESH: '300ms',
    RATE_LIMIT: '0',
    // The gateway relays the Python service's answers as they are: no retry, no breaker of its own.
    ROUTE_RETRIES: '0',
    BREAKER_THRESHOLD: '1000',
    ...otel(controlPlane.url),
  });
  recommendations = await startRecommendations();
}, 240_000);

afterAll(async () => {
  if (users) users.child.kill('SIGCONT');
  await Promise.all(started.map(kill));
  await onDatabase(postgresUrl, async (admin) => {
    for (const service of SERVICES)
      await admin.query(`DROP DATABASE IF EXISTS "${run}_${service}" WITH (FORCE)`);
  });
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

interface Span {
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly serviceName: string;
  readonly kind: string;
}

/** One request through the gateway, then its trace: users' server span descends from `service`'s, which descends from the gateway's. */
async function expectTraceThrough(service: string, userId: string): Promise<void> {
  const traceId = randomBytes(16).toString('hex');
  const answer = await call(`/api/${service}/${userId}`, {
    headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
  });
  expect(answer.status).toBe(200);
  const spans = await until(`the trace with spans of gateway, ${service} and users`, async () => {
    const response = await fetch(`${controlPlane.url}/api/traces/${traceId}`);
    if (response.status !== 200) return false;
    const { spans } = (await response.json()) as { spans: Span[] };
    const names = new Set(spans.map((span) => span.serviceName));
    return ['gateway', service, 'users'].every((name) => names.has(name)) && spans;
  });
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const ancestry = (span: Span): string[] => {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    return parent ? [parent.serviceName, ...ancestry(parent)] : [];
  };
  const usersServer = spans.find((span) => span.serviceName === 'users' && span.kind === 'server');
  expect(usersServer).toBeDefined();
  const chain = ancestry(usersServer as Span);
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
      [ada, await placeOrder(ada, [{ sku: tea, quantity: 1 }])],
      [
        grace,
        await placeOrder(grace, [
          { sku: tea, quantity: 1 },
          { sku: cup, quantity: 2 },
        ]),
      ],
      [
        grace,
        await placeOrder(grace, [
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
    expect(answer.contentType).toMatch(/^application\/json/);
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
    expect(invalid.contentType).toMatch(/^application\/problem\+json/);
    expect(invalid.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      retryable: false,
      errors: [{ field: '/query/limit' }],
    });
    const unknown = await call('/api/recommendations/nobody-at-all');
    expect(unknown.status).toBe(404);
    expect(unknown.contentType).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('opens its breaker on users frozen, then fails fast with problem+json 503, and closes after', async () => {
    users.child.kill('SIGSTOP');
    try {
      // Each call waits out the users timeout until the third failure opens the breaker.
      const failures: Answer[] = [];
      await until(
        'the breaker open',
        async () => {
          const answer = await call(`/api/recommendations/${ada}`);
          failures.push(answer);
          return answer.body.code === 'CIRCUIT_OPEN';
        },
        30_000,
        0,
      );
      expect(failures[0]).toMatchObject({ status: 504, body: { code: 'UPSTREAM_TIMEOUT', retryable: true } });
      const fast = await call(`/api/recommendations/${ada}`);
      expect(fast.status).toBe(503);
      expect(fast.contentType).toMatch(/^application\/problem\+json/);
      expect(fast.body).toMatchObject({ code: 'CIRCUIT_OPEN', retryable: true });
      expect(fast.elapsedMs).toBeLessThan(USERS_TIMEOUT_MS / 4);
    } finally {
      users.child.kill('SIGCONT');
    }
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
    expect(answer.contentType).toMatch(/^application\/json/);
    const invalid = await call(`/api/recommendations-async/${ada}?limit=0`);
    expect(invalid.status).toBe(400);
    expect(invalid.contentType).toMatch(/^application\/problem\+json/);
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
      const id = await placeOrder(linus, items);
      expected.set(id, new Map(items.map((item) => [item.sku, item.quantity])));
    };
    for (let index = 0; index < 8; index++) await place(index);
    await until('the first orders stored', async () => (await storedPurchases(linus)).size >= 1);

    // Its store held up by a lock, the service has read the next orders but cannot store them:
    // a commit of their offsets now would lose them with the kill.
    const blocker = new pg.Client({ connectionString: databaseOf('recommendations') });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE recommendations.consumed_events IN ACCESS EXCLUSIVE MODE');
      for (let index = 8; index < 14; index++) await place(index);
      await until('the service waiting on the lock to store events', async () => {
        const { rows } = await blocker.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'recommendations'
             AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO consumed_events%'`,
        );
        return (rows[0]?.waiting ?? 0) > 0;
      });
      await kill(recommendations);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
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
