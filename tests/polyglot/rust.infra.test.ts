import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kill, repositoryRoot, type SpawnedService } from '../support/spawn-service.js';
import { until } from '../support/until.js';
import { untilCircuitOpen, whileFrozen } from './support/frozen-users.js';
import { callGateway, sendJson } from './support/gateway-call.js';
import { onDatabase } from './support/on-database.js';
import { passingInstances } from './support/passing-instances.js';
import {
  type ReferenceSystemOnPostgres,
  startReferenceSystemOnPostgres,
} from './support/reference-system-on-postgres.js';
import { callsMadeBy, newTraceparent, type Span, traceSpans } from './support/trace-query.js';

// The Rust `pricing` example (examples/rust) in the reference system, on real PostgreSQL and
// Kafka: it registers through the Consul API, is routed to by the gateway, keeps sales counts from
// orders' `order.placed` events and asks users about loyalty through its circuit breaker.
const postgresUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const kafkaUrl = process.env.FLOTILLA_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092';
const run = `rust_${randomBytes(4).toString('hex')}`;
// Outside the clone, so CI's fresh clones reuse compiled dependencies (README: build times).
const targetDir = process.env.CARGO_TARGET_DIR ?? '/var/cache/flotilla/cargo-target';
const cargo = [process.env.CARGO, join(homedir(), '.cargo/bin/cargo')].find(
  (path): path is string => path !== undefined && existsSync(path),
);
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-polyglot-rust-'));
const sku = `RUST-${randomBytes(3).toString('hex').toUpperCase()}`;
const usersTimeoutMs = 1_000;

let system: ReferenceSystemOnPostgres;
let controlPlane: SpawnedService;
let users: SpawnedService;
let pricing: SpawnedService;
let gateway: string;
let userId: string;

function startPricing() {
  return system.start([join(targetDir, 'debug/flotilla-pricing')], {
    DATABASE_URL: system.databaseOf('pricing'),
    DATABASE_SCHEMA: 'pricing',
    REGISTRY_URL: controlPlane.url,
    // A timeout with room for a busy machine: a check that times out takes it out of the gateway.
    REGISTRY_CHECK_INTERVAL: '500ms',
    REGISTRY_CHECK_TIMEOUT: '2s',
    REGISTRY_DEREGISTER_AFTER: '5s',
    EVENTS_URL: kafkaUrl,
    KAFKA_GROUP: `flotilla.pricing.${run}`,
    USERS_TIMEOUT: `${usersTimeoutMs}ms`,
    BREAKER_FAILURES: '3',
    BREAKER_OPEN_FOR: '2s',
    POPULAR_AFTER: '10',
    ...system.otel(),
  });
}

const call = (path: string, init?: RequestInit) => callGateway(gateway, path, init);

const send = (method: string, path: string, body: unknown, headers?: Record<string, string>) =>
  sendJson(gateway, method, path, body, headers);

/** How many times pricing has stored each of `orders` (orders' topic also holds earlier runs'). */
async function storedOrders(orders: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await onDatabase(system.databaseOf('pricing'), (client) =>
    client.query<{ order_id: string; n: string }>(
      'select order_id, count(*) as n from pricing.order_events where order_id = any($1) group by order_id',
      [orders],
    ),
  );
  return new Map(rows.map((row) => [row.order_id, Number(row.n)]));
}

beforeAll(async () => {
  if (!cargo) throw new Error('cargo not found: install Rust (/root/.cargo/bin/cargo) or set CARGO');
  const building = promisify(execFile)(cargo, ['build', '--locked', '--quiet'], {
    cwd: join(repositoryRoot, 'examples/rust'),
    // rustup's proxy finds its toolchain beside it; CI's PATH may not have ~/.cargo/bin.
    env: { ...process.env, CARGO_TARGET_DIR: targetDir, PATH: `${dirname(cargo)}:${process.env.PATH ?? ''}` },
    maxBuffer: 64 * 1024 * 1024,
  });
  system = await startReferenceSystemOnPostgres({
    run,
    postgresUrl,
    guests: ['pricing'],
    eventsUrl: kafkaUrl,
    scratch,
  });
  ({ controlPlane, users } = system);
  gateway = system.gateway.url;
  await building;
  pricing = await startPricing();
}, 1_200_000);

afterAll(async () => {
  await system?.stop();
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe('the Rust pricing service in the reference system', () => {
  it('registers with its route prefix and passes its readiness check (a database ping)', async () => {
    const [instance] = await until('pricing passing', async () => {
      const list = await passingInstances(controlPlane.url, 'pricing');
      return list.length === 1 && list;
    });
    expect(instance?.Service.Meta['route-prefix']).toBe('/api/pricing');
    expect((await callGateway(pricing.url, '/health/ready')).body).toMatchObject({ status: 'ok' });
  });

  it('answers through the gateway with its JSON, and problem+json for bad input', async () => {
    const set = await until('the gateway to route to pricing', async () => {
      const answer = await send('PUT', `/api/pricing/${sku}`, { basePrice: 1200 });
      return answer.status === 200 && answer;
    });
    expect(set.body).toEqual({ sku, basePrice: 1200, sold: 0 });
    const price = await call(`/api/pricing/${sku}`);
    expect(price).toMatchObject({ status: 200, body: { sku, basePrice: 1200, price: 1200, discounts: [] } });

    const badSku = await call(`/api/pricing/${encodeURIComponent('no such thing!')}`);
    expect(badSku.status).toBe(400);
    expect(badSku.headers.get('content-type')).toBe('application/problem+json');
    expect(badSku.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      retryable: false,
      errors: [{ field: '/params/sku' }],
    });
    const malformed = await send('PUT', `/api/pricing/${sku}`, '{"basePrice":');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toBe('application/problem+json');
    expect(malformed.body.code).toBe('MALFORMED_JSON');
    const negative = await send('PUT', `/api/pricing/${sku}`, { basePrice: -5 });
    expect(negative.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: '/body/basePrice' }],
    });
    const unknown = await call('/api/pricing/NEVER-SOLD');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(unknown.body.code).toBe('NOT_FOUND');
  });

  it('stores every order event exactly once, committing only after storing, across a SIGKILL', {
    timeout: 180_000,
  }, async () => {
    const user = await send('POST', '/api/users', {
      name: 'Ferris',
      email: `ferris-${run}@rust.example`,
    });
    expect(user.status).toBe(201);
    userId = user.body.id as string;

    const count = 16;
    const placed: string[] = [];
    const placing = (async () => {
      for (let index = 0; index < count; index++) {
        // Until orders has seen the user, a try may answer 503; the key keeps it one order.
        const key = { 'idempotency-key': randomUUID() };
        const order = await until('an order placed', async () => {
          const answer = await send(
            'POST',
            '/api/orders',
            { userId, items: [{ sku, quantity: 1, unitPrice: 1200 }] },
            key,
          );
          return answer.status === 201 && answer;
        });
        placed.push(order.body.id as string);
      }
    })();
    // Killed while orders stream in: some stored, more placed after it died.
    await until('the first orders stored', async () => (await storedOrders(placed)).size >= 3, 60_000);
    await kill(pricing);
    await placing;
    expect((await storedOrders(placed)).size).toBeLessThan(count);

    pricing = await startPricing();
    const stored = await until(
      'every order stored after the restart',
      async () => {
        const orders = await storedOrders(placed);
        return placed.every((id) => orders.has(id)) && orders;
      },
      90_000,
    );
    for (const id of placed) expect(stored.get(id)).toBe(1);
    const { rows } = await onDatabase(system.databaseOf('pricing'), (client) =>
      client.query<{ sold: string }>('select sold from pricing.products where sku = $1', [sku]),
    );
    expect(Number(rows[0]?.sold)).toBe(count);
    // Sold 16 ≥ 10: the popularity discount applies.
    const price = await call(`/api/pricing/${sku}`);
    expect(price.body).toMatchObject({
      sold: count,
      discounts: [{ reason: 'popular', percent: 10 }],
      price: 1080,
    });
  });

  it('holds gateway → pricing → users in one trace in the control plane', async () => {
    const traceId = randomBytes(16).toString('hex');
    const answer = await call(`/api/pricing/${sku}?userId=${userId}`, {
      headers: { traceparent: newTraceparent(traceId) },
    });
    expect(answer).toMatchObject({ status: 200 });
    expect(answer.body.discounts).toContainEqual({ reason: 'loyalty', percent: 5 });

    const find = (list: readonly Span[], service: string, kind: string) =>
      list.find((span) => span.serviceName === service && span.kind === kind);
    const found = (list: readonly Span[]) => ({
      gateway: find(list, 'gateway', 'server'),
      pricing: find(list, 'pricing', 'server'),
      call: find(list, 'pricing', 'client'),
      users: find(list, 'users', 'server'),
    });
    const spans = found(
      await traceSpans(controlPlane.url, traceId, (list) => Object.values(found(list)).every(Boolean)),
    ) as Record<keyof ReturnType<typeof found>, Span>;
    expect(spans.pricing.name).toBe('GET /pricing/:sku');
    expect(spans.call.parentSpanId).toBe(spans.pricing.spanId);
    expect(spans.users.parentSpanId).toBe(spans.call.spanId);
  });

  it('opens its breaker on users when users is frozen, then refuses without calling users: problem+json 503', {
    timeout: 120_000,
  }, async () => {
    const price = (init?: RequestInit) => callGateway(pricing.url, `/pricing/${sku}?userId=${userId}`, init);
    expect((await price()).status).toBe(200);
    await whileFrozen(users, async () => {
      const failures = await untilCircuitOpen(() => price());
      const open = failures.at(-1)!;
      // Before it opened, calls failed on the timeout (or on users no longer listed as passing).
      for (const failure of failures.slice(0, -1)) {
        expect(failure.headers.get('content-type')).toBe('application/problem+json');
        expect(['UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE']).toContain(failure.body.code);
      }
      expect(open.status).toBe(503);
      expect(open.headers.get('content-type')).toBe('application/problem+json');
      expect(open.body).toMatchObject({ retryable: true, status: 503 });
      // Failing fast: refused without a call to users (which, frozen, could not have answered one),
      // so with no call timeout to wait out.
      const traceId = randomBytes(16).toString('hex');
      const refused = await price({ headers: { traceparent: newTraceparent(traceId) } });
      expect(refused.body.code).toBe('CIRCUIT_OPEN');
      expect(await callsMadeBy(controlPlane.url, traceId, 'pricing')).toEqual([]);
    });
    // Half-open after BREAKER_OPEN_FOR: a trial call succeeds and the breaker closes.
    await until('pricing to reach users again', async () => (await price()).status === 200);
  });

  it('deregisters on SIGTERM and exits cleanly', async () => {
    const id = (await passingInstances(controlPlane.url, 'pricing'))[0]?.Service.ID;
    expect(id).toBeDefined();
    pricing.child.kill('SIGTERM');
    expect(await pricing.exited).toEqual({ code: 0, signal: null });
    const services = (await callGateway(controlPlane.url, '/v1/agent/services')).body;
    expect(Object.keys(services)).not.toContain(id);
  });
});
