import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
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
const USERS_TIMEOUT_MS = 1_000;
// The toolchain in /usr/local/go when there is one: Debian's golang-go (1.19) is older than the
// module's `go 1.26.7`.
const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';

let system: ReferenceSystemOnPostgres;
let controlPlane: SpawnedService;
let gateway: SpawnedService;
let users: SpawnedService;
let inventory: SpawnedService;

const rabbitmqctl = (...args: string[]) => promisify(execFile)('rabbitmqctl', args);

const inventoryQuery = <R extends pg.QueryResultRow>(sql: string, values: unknown[] = []) =>
  onDatabase(system.databaseOf('inventory'), async (client) => (await client.query<R>(sql, values)).rows);

function startInventory() {
  return system.start([binary], {
    DATABASE_URL: system.databaseOf('inventory'),
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
    ...system.otel(),
  });
}

const call = (path: string, init?: RequestInit) => callGateway(gateway.url, path, init);

const send = (method: string, path: string, body: unknown, headers?: Record<string, string>) =>
  sendJson(gateway.url, method, path, body, headers);

const passing = (service: string) => passingInstances(controlPlane.url, service);

async function createUser(name: string): Promise<string> {
  const user = await send('POST', '/api/users', { name, email: `${name.toLowerCase()}-${run}@go.example` });
  expect(user.status).toBe(201);
  return user.body.id as string;
}

const trace = (traceId: string, complete: (spans: Span[]) => boolean) =>
  traceSpans(controlPlane.url, traceId, complete);

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
  system = await startReferenceSystemOnPostgres({
    run,
    postgresUrl,
    guests: ['inventory'],
    eventsUrl: eventsUrl.href,
    scratch,
  });
  ({ controlPlane, gateway, users } = system);
  inventory = await startInventory();
}, 600_000);

afterAll(async () => {
  await system?.stop();
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

    const spans = await trace(traceId, (spans) =>
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
      expected.set(await placeOrder(gateway.url, grace, [{ sku, quantity }], headers), quantity);
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
    // Each service exports its spans in batches of its own: wait until the chain reaches the gateway.
    const spans = await trace(traceId, (spans) =>
      spans.some(
        (span) =>
          span.serviceName === 'inventory' &&
          span.kind === 'consumer' &&
          ancestry(spans, span).includes('gateway'),
      ),
    );
    const consumer = spans.find(
      (span) => span.serviceName === 'inventory' && span.kind === 'consumer',
    ) as Span;
    expect(consumer.name).toBe('order.placed process');
    expect(ancestry(spans, consumer)).toContain('gateway');

    // Its inbox locked, the service holds deliveries it cannot store.
    await killWhileStoreLocked(
      inventory,
      {
        databaseUrl: system.databaseOf('inventory'),
        table: 'inventory.processed_events',
        application: 'inventory',
        insert: '%INSERT INTO processed_events%',
      },
      async () => {
        for (let index = 8; index < 14; index++) await place(index);
      },
    );
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
    await whileFrozen(users, async () => {
      // Each call waits out the users timeout until the third failure opens the breaker.
      const failures = await untilCircuitOpen(() => call(path));
      expect(failures[0]).toMatchObject({ status: 504, body: { code: 'UPSTREAM_TIMEOUT', retryable: true } });
      expect(failures[0]?.elapsedMs).toBeGreaterThanOrEqual(USERS_TIMEOUT_MS * 0.9);
      // Failing fast: refused without a call to users (which, frozen, could not have answered one),
      // so with no call timeout to wait out.
      const traceId = randomBytes(16).toString('hex');
      const fast = await call(path, { headers: { traceparent: newTraceparent(traceId) } });
      expect(fast.status).toBe(503);
      expect(fast.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(fast.headers.get('retry-after')).toBe('2');
      expect(fast.body).toMatchObject({ code: 'CIRCUIT_OPEN', retryable: true });
      expect(await callsMadeBy(controlPlane.url, traceId, 'inventory')).toEqual([]);
    });
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
