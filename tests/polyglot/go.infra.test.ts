import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kill, repositoryRoot, type SpawnedService, spawnService } from '../support/spawn-service.js';
import { until } from '../support/until.js';

// The guide's Go service, examples/go (chi, consul/api, gobreaker, database/sql + lib/pq,
// amqp091-go, OpenTelemetry), joins the reference system through its wire contracts only, on real
// PostgreSQL and RabbitMQ. Infra only: it needs the engines and the Go toolchain; the test builds
// the service itself (modules from the Go proxy, or the module cache).
const postgresUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const brokerUrl = new URL(process.env.FLOTILLA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
const run = `go_${randomBytes(4).toString('hex')}`;
// A vhost of its own: the exchange and queue names are the same in every system on a broker.
const vhost = `flotilla-${run}`;
const eventsUrl = new URL(brokerUrl);
eventsUrl.pathname = `/${vhost}`;
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-polyglot-go-'));
const binary = join(scratch, 'inventory');
const SERVICES = ['users', 'orders', 'notifications', 'inventory'] as const;
const USERS_TIMEOUT_MS = 1_000;
// The toolchain in /usr/local/go when there is one: Debian's golang-go (1.19) is older than the
// module's `go 1.26.7`.
const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';

const started: SpawnedService[] = [];
let controlPlane: SpawnedService;
let gateway: SpawnedService;
let users: SpawnedService;
let inventory: SpawnedService;

const rabbitmqctl = (...args: string[]) => promisify(execFile)('rabbitmqctl', args);

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

const inventoryQuery = <R extends pg.QueryResultRow>(sql: string, values: unknown[] = []) =>
  onDatabase(databaseOf('inventory'), async (client) => (await client.query<R>(sql, values)).rows);

async function start(entry: string | string[], environment: Record<string, string>) {
  const service = await spawnService(entry, environment, 90_000);
  started.push(service);
  return service;
}

const otel = (endpoint: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_BSP_SCHEDULE_DELAY: '200',
});

function startInventory() {
  return start([binary], {
    DATABASE_URL: databaseOf('inventory'),
    DATABASE_SCHEMA: 'inventory',
    DB_POOL_MAX: '3',
    REGISTRY_URL: controlPlane.url,
    REGISTRY_CHECK_INTERVAL: '300ms',
    REGISTRY_CHECK_TIMEOUT: '2s',
    // The instance SIGKILLed below leaves the registry soon after.
    REGISTRY_DEREGISTER_AFTER: '5s',
    EVENTS_URL: eventsUrl.href,
    USERS_CALL_TIMEOUT: `${USERS_TIMEOUT_MS}ms`,
    BREAKER_FAILURES: '3',
    BREAKER_OPEN_TIME: '2s',
    ...otel(controlPlane.url),
  });
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
  readonly elapsedMs: number;
}

async function call(path: string, init: RequestInit = {}): Promise<Answer> {
  const began = performance.now();
  const response = await fetch(`${gateway.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) }); // hang guard
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, body, elapsedMs: performance.now() - began };
}

const send = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

interface Registered {
  Service: { ID: string; Tags: string[]; Meta: Record<string, string> };
}

async function passing(service: string): Promise<Registered[]> {
  return (await (
    await fetch(`${controlPlane.url}/v1/health/service/${service}?passing=true`)
  ).json()) as Registered[];
}

async function createUser(name: string): Promise<string> {
  const user = await send('POST', '/api/users', { name, email: `${name.toLowerCase()}-${run}@go.example` });
  expect(user.status).toBe(201);
  return user.body.id as string;
}

/** One order through the gateway; orders may answer 503 until its registry watcher has seen users. */
async function placeOrder(
  userId: string,
  items: { sku: string; quantity: number }[],
  headers: Record<string, string> = {},
): Promise<string> {
  const key = { 'idempotency-key': randomUUID(), ...headers };
  const order = await until('an order placed', async () => {
    const answer = await send(
      'POST',
      '/api/orders',
      { userId, items: items.map((item) => ({ ...item, unitPrice: 250 })) },
      key,
    );
    return answer.status === 201 && answer;
  });
  return order.body.id as string;
}

interface Span {
  spanId: string;
  parentSpanId: string | null;
  serviceName: string;
  name: string;
  kind: string;
}

/** The spans of `traceId` in the control plane's store, once `complete` holds for them. */
async function traceSpans(traceId: string, complete: (spans: Span[]) => boolean): Promise<Span[]> {
  return until(`trace ${traceId} complete`, async () => {
    const response = await fetch(`${controlPlane.url}/api/traces/${traceId}`);
    if (response.status !== 200) return false;
    const { spans } = (await response.json()) as { spans: Span[] };
    return complete(spans) && spans;
  });
}

/** The services of a span's ancestors, nearest first. */
function ancestry(spans: Span[], span: Span): string[] {
  const parent = spans.find((candidate) => candidate.spanId === span.parentSpanId);
  return parent ? [parent.serviceName, ...ancestry(spans, parent)] : [];
}

const newTraceparent = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;

beforeAll(async () => {
  const buildStarted = performance.now();
  execFileSync(go, ['build', '-o', binary, '.'], {
    cwd: join(repositoryRoot, 'examples/go'),
    env: { ...process.env, GOFLAGS: '-mod=readonly -buildvcs=false' },
    stdio: 'pipe',
  });
  console.info(`examples/go built in ${Math.round(performance.now() - buildStarted)} ms`);

  await rabbitmqctl('add_vhost', vhost);
  await rabbitmqctl('set_permissions', '-p', vhost, decodeURIComponent(brokerUrl.username), '.*', '.*', '.*');
  await onDatabase(postgresUrl, async (admin) => {
    for (const service of SERVICES) await admin.query(`CREATE DATABASE "${run}_${service}"`);
  });
  controlPlane = await start(join(repositoryRoot, 'packages/control-plane/src/main.ts'), {
    PORT: '0',
    LOG_LEVEL: 'info',
    REGISTRY_SNAPSHOT_PATH: join(scratch, 'registry.json'),
    CHECK_TICK: '20ms',
  });
  // One at a time: processes starting at once starve a 2-core machine.
  for (const service of ['notifications', 'orders', 'users'] as const) {
    const spawned = await start(join(repositoryRoot, 'services', service, 'src/main.ts'), {
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseOf(service),
      DB_POOL_MAX: '3',
      REGISTRY_URL: controlPlane.url,
      // Users is checked once a minute: frozen, it stays listed as passing, so the Go service's
      // calls reach it and time out — the slow dependency its breaker is for.
      REGISTRY_CHECK_INTERVAL: service === 'users' ? '1m' : '300ms',
      REGISTRY_CHECK_TIMEOUT: '2s',
      REGISTRY_SYNC_INTERVAL: '500ms',
      EVENTS_URL: eventsUrl.href,
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
    // The gateway relays the Go service's answers as they are: no retry, no breaker of its own.
    ROUTE_RETRIES: '0',
    BREAKER_THRESHOLD: '1000',
    ...otel(controlPlane.url),
  });
  inventory = await startInventory();
}, 600_000);

afterAll(async () => {
  if (users) users.child.kill('SIGCONT');
  await Promise.all(started.map(kill));
  await onDatabase(postgresUrl, async (admin) => {
    for (const service of SERVICES)
      await admin.query(`DROP DATABASE IF EXISTS "${run}_${service}" WITH (FORCE)`);
  });
  await rabbitmqctl('delete_vhost', vhost);
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe('the Go inventory service in the reference system', () => {
  let ada: string;
  const sku = `TEA-${run}`;

  it('registers with its route prefix and passes its readiness check (a database ping)', async () => {
    const [instance] = await until('inventory passing', async () => {
      const list = await passing('inventory');
      return list.length === 1 && list;
    });
    expect(instance?.Service.Meta['route-prefix']).toBe('/api/inventory');
    expect(instance?.Service.Tags).toContain('go');
    const ready = await fetch(`${inventory.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'pass' });
  });

  it('answers through the gateway with its JSON, and problem+json for bad input', async () => {
    const put = await until('the gateway to route to inventory', async () => {
      const answer = await send('PUT', `/api/inventory/${sku}`, { onHand: 12 });
      return answer.status === 200 && answer;
    });
    expect(put.body).toMatchObject({ sku, onHand: 12, reserved: 0, available: 12 });
    const got = await call(`/api/inventory/${sku}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toMatch(/^application\/json/);
    expect(got.body).toMatchObject({ sku, onHand: 12, available: 12 });

    const problems = [
      [await send('PUT', `/api/inventory/${sku}`, { onHand: -1 }), 400, 'VALIDATION_FAILED'],
      [await send('PUT', `/api/inventory/${sku}`, { onHand: 'many' }), 400, 'VALIDATION_FAILED'],
      [await send('PUT', `/api/inventory/${sku}`, '{"onHand": 1'), 400, 'MALFORMED_JSON'],
      [
        await call(`/api/inventory/${sku}`, { method: 'PUT', body: 'onHand=1' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [await call('/api/inventory/never-stocked'), 404, 'NOT_FOUND'],
      [await call(`/api/inventory/${'x'.repeat(65)}`), 400, 'VALIDATION_FAILED'],
      [await call(`/api/inventory/${sku}`, { method: 'DELETE' }), 405, 'METHOD_NOT_ALLOWED'],
    ] as const;
    for (const [answer, status, code] of problems) {
      expect(answer.status).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({
        status,
        code,
        retryable: false,
        type: expect.stringMatching(/^urn:flotilla:problem:/),
      });
    }
    expect(problems[0][0].body.errors).toEqual([
      { field: '/body/onHand', message: 'must be from 0 to 2147483647' },
    ]);

    // A caller's spent deadline (the gateway replaces a client's own, so this goes to the service).
    const late = await fetch(`${inventory.url}/inventory/${sku}`, {
      headers: { 'x-request-timeout-ms': '0' },
    });
    expect(late.status).toBe(504);
    expect(await late.json()).toMatchObject({ code: 'DEADLINE_EXCEEDED', retryable: false });
  });

  it('holds one trace of gateway → inventory → its call into users', async () => {
    ada = await createUser('Ada');
    const traceId = randomBytes(16).toString('hex');
    const answer = await call(`/api/inventory/users/${ada}/reservations`, {
      headers: { traceparent: newTraceparent(traceId) },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ user: { id: ada, name: 'Ada' }, reservations: [] });

    const spans = await traceSpans(traceId, (spans) =>
      ['gateway', 'inventory', 'users'].every((name) => spans.some((span) => span.serviceName === name)),
    );
    const inventoryServer = spans.find((span) => span.serviceName === 'inventory' && span.kind === 'server');
    expect(inventoryServer?.name).toBe('GET /inventory/users/{userId}/reservations');
    const usersServer = spans.find((span) => span.serviceName === 'users' && span.kind === 'server');
    expect(usersServer).toBeDefined();
    // users ← inventory's client span ← inventory's server span ← the gateway's span
    expect(ancestry(spans, usersServer as Span)).toEqual(['inventory', 'inventory', 'gateway']);

    const unknown = await call('/api/inventory/users/nobody-at-all/reservations');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reserves stock for orders placed, continuing their traces; killed mid-stream and restarted, every order once', {
    timeout: 180_000,
  }, async () => {
    const grace = await createUser('Grace');
    const expected = new Map<string, number>();
    const place = async (index: number, headers: Record<string, string> = {}) => {
      const quantity = (index % 3) + 1;
      expected.set(await placeOrder(grace, [{ sku, quantity }], headers), quantity);
    };
    const reserved = async () =>
      inventoryQuery<{ order_id: string; quantity: number }>(
        'SELECT order_id, quantity FROM inventory.reservations WHERE user_id = $1',
        [grace],
      );

    const traceId = randomBytes(16).toString('hex');
    await place(0, { traceparent: newTraceparent(traceId) });
    for (let index = 1; index < 8; index++) await place(index);
    await until('the first orders stored', async () => (await reserved()).length >= 1);
    const spans = await traceSpans(traceId, (spans) =>
      spans.some((span) => span.serviceName === 'inventory' && span.kind === 'consumer'),
    );
    const consumer = spans.find(
      (span) => span.serviceName === 'inventory' && span.kind === 'consumer',
    ) as Span;
    expect(consumer.name).toBe('order.placed process');
    expect(ancestry(spans, consumer)).toContain('gateway');

    // Its inbox locked, the service holds deliveries it cannot store: an ack sent before storing
    // would lose them with the kill.
    const blocker = new pg.Client({ connectionString: databaseOf('inventory') });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE inventory.processed_events IN ACCESS EXCLUSIVE MODE');
      for (let index = 8; index < 14; index++) await place(index);
      await until('the service waiting on the lock to store an event', async () => {
        const { rows } = await blocker.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'inventory'
             AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO processed_events%'`,
        );
        return (rows[0]?.waiting ?? 0) > 0;
      });
      await kill(inventory);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    for (let index = 14; index < 20; index++) await place(index);

    inventory = await startInventory();
    const rows = await until(
      'every order stored after the restart',
      async () => {
        const now = await reserved();
        return now.length >= expected.size && now;
      },
      120_000,
    );
    // Exactly once: one reservation per order, and the stock's reserved count their sum.
    expect(new Map(rows.map((row) => [row.order_id, row.quantity]))).toEqual(expected);
    expect(rows).toHaveLength(expected.size);
    const total = [...expected.values()].reduce((sum, quantity) => sum + quantity, 0);
    // The gateway routes to the restarted instance once its first check has passed.
    const stock = await until('the gateway to route to the restarted inventory', async () => {
      const answer = await call(`/api/inventory/${sku}`);
      return answer.status === 200 && answer;
    });
    expect(stock.body).toMatchObject({ sku, onHand: 12, reserved: total, available: 12 - total });
    // Every delivery acknowledged in the end (the broker's counts lag a few seconds), none dead.
    const queues = await until('the queue drained', async () => {
      const { stdout } = await rabbitmqctl(
        'list_queues',
        '-p',
        vhost,
        '--quiet',
        '--no-table-headers',
        'name',
        'messages',
      );
      return /^flotilla\.events\.inventory\s+0$/m.test(stdout) && stdout;
    });
    expect(queues).toMatch(/^flotilla\.events\.inventory\.dead\s+0$/m);
    expect(await reserved()).toHaveLength(expected.size);
  });

  it('opens its breaker on users frozen, then fails fast with problem+json 503, and closes after', async () => {
    const path = `/api/inventory/users/${ada}/reservations`;
    users.child.kill('SIGSTOP');
    try {
      // Each call waits out the users timeout until the third failure opens the breaker.
      const failures: Answer[] = [];
      await until(
        'the breaker open',
        async () => {
          const answer = await call(path);
          failures.push(answer);
          return answer.body.code === 'CIRCUIT_OPEN';
        },
        30_000,
        0,
      );
      expect(failures[0]).toMatchObject({ status: 504, body: { code: 'UPSTREAM_TIMEOUT', retryable: true } });
      expect(failures[0]?.elapsedMs).toBeGreaterThanOrEqual(USERS_TIMEOUT_MS * 0.9);
      const fast = await call(path);
      expect(fast.status).toBe(503);
      expect(fast.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(fast.headers.get('retry-after')).toBe('2');
      expect(fast.body).toMatchObject({ code: 'CIRCUIT_OPEN', retryable: true });
      expect(fast.elapsedMs).toBeLessThan(USERS_TIMEOUT_MS / 4);
    } finally {
      users.child.kill('SIGCONT');
    }
    // Past its open time the breaker lets one call try users again, which now answers.
    await until('the breaker closed again', async () => (await call(path)).status === 200);
  });

  it('deregisters on SIGTERM and exits cleanly', async () => {
    const instance = /"msg":"registered"[^\n]*"instance":"([^"]+)"/.exec(inventory.stdout.join(''))?.[1];
    expect(instance).toBeDefined();
    await until('the restarted instance passing', async () =>
      (await passing('inventory')).some((entry) => entry.Service.ID === instance),
    );
    inventory.child.kill('SIGTERM');
    expect(await inventory.exited).toEqual({ code: 0, signal: null });
    const services = (await (await fetch(`${controlPlane.url}/v1/agent/services`)).json()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(services)).not.toContain(instance);
  });
});
