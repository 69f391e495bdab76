import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kill, repositoryRoot, type SpawnedService, spawnService } from './support/spawn-service.js';
import { until } from './support/until.js';

// One request followed across processes: gateway → orders → users, and on through the event it
// caused (outbox write → relay publish → notifications' handling), exported over OTLP to the
// control plane's trace store and read back through its JSON API.

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-gateway-tracing-'));
// The unit project follows the event over the embedded transport; the infra project, which names
// a RabbitMQ, over RabbitMQ in a vhost of its own.
const amqp = process.env.FLOTILLA_TEST_AMQP_URL;
const vhost = `flotilla-tracing-${randomBytes(4).toString('hex')}`;
const entry = (path: string) => join(repositoryRoot, path);

interface StoredSpan {
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly serviceName: string;
  readonly name: string;
  readonly kind: string;
  readonly status: { readonly code: string };
  readonly attributes: Record<string, unknown>;
}
interface TraceSummary {
  readonly traceId: string;
  readonly root: { readonly serviceName: string; readonly name: string } | null;
}

let controlPlane: SpawnedService;
let gateway: SpawnedService;
const services: SpawnedService[] = [];

// A hang guard only: on a loaded machine exports and registry checks take their time.
const HANG_GUARD_MS = 60_000;

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T };
}

async function passing(service: string): Promise<boolean> {
  const { body } = await json<unknown[]>(`${controlPlane.url}/v1/health/service/${service}?passing=true`);
  return body.length > 0;
}

async function traceSpans(traceId: string): Promise<StoredSpan[] | undefined> {
  const response = await fetch(`${controlPlane.url}/api/traces/${traceId}`);
  if (response.status === 404) return undefined;
  return ((await response.json()) as { spans: StoredSpan[] }).spans;
}

/** The gateway's traces whose root is `name`, newest first. */
async function gatewayTraces(name: string): Promise<TraceSummary[]> {
  const { body } = await json<{ traces: TraceSummary[] }>(
    `${controlPlane.url}/api/traces?service=gateway&limit=100`,
  );
  return body.traces.filter(
    (summary) => summary.root?.serviceName === 'gateway' && summary.root.name === name,
  );
}

beforeAll(async () => {
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_BSP_SCHEDULE_DELAY: '200' };
  controlPlane = await spawnService(entry('packages/control-plane/src/main.ts'), {
    PORT: '0',
    REGISTRY_SNAPSHOT_PATH: join(scratch, 'registry.json'),
    CHECK_TICK: '50ms',
  });
  otel.OTEL_EXPORTER_OTLP_ENDPOINT = controlPlane.url;
  if (amqp) {
    execFileSync('rabbitmqctl', ['add_vhost', vhost], { stdio: 'ignore' });
    execFileSync('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'], {
      stdio: 'ignore',
    });
  }
  const registered = {
    ...otel,
    ...(amqp ? { EVENTS_URL: `${amqp}/${vhost}` } : {}),
    REGISTRY_URL: controlPlane.url,
    REGISTRY_CHECK_INTERVAL: '300ms',
    REGISTRY_CHECK_TIMEOUT: '1s',
  };
  // One after another: embedded databases initialising at once starve a 2-core machine.
  for (const name of ['users', 'orders', 'notifications']) {
    services.push(
      await spawnService(
        entry(`services/${name}/src/main.ts`),
        { ...registered, DATA_DIR: join(scratch, name) },
        90_000,
      ),
    );
  }
  gateway = await spawnService(entry('packages/gateway/src/main.ts'), {
    ...otel,
    PORT: '0',
    REGISTRY_URL: controlPlane.url,
    REGISTRY_ROUTES_REFRESH: '300ms',
  });
  await until(
    'the services passing',
    async () =>
      (await passing('users')) && (await passing('orders')) && (await passing('notifications'))
        ? true
        : undefined,
    HANG_GUARD_MS,
  );
}, 240_000);

afterAll(async () => {
  await kill(gateway);
  await Promise.all(services.map(kill));
  await kill(controlPlane);
  if (amqp) execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' });
  rmSync(scratch, { recursive: true, force: true });
});

describe('one trace from the gateway through orders to users and the event it caused', () => {
  it('parents the gateway, orders, its call to users, users, the database and the event spans', async () => {
    const user = await until(
      'a user created through the gateway',
      async () => {
        const { status, body } = await json<{ id: string }>(`${gateway.url}/api/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Ada', email: `ada-${Date.now()}@example.com` }),
        });
        return status === 201 ? body : undefined;
      },
      HANG_GUARD_MS,
    );
    // Retried until orders reached users (its fallback answers 503 until it can).
    await until(
      'an order created through the gateway',
      async () => {
        const { status } = await json(`${gateway.url}/api/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: user.id, items: [{ sku: 'BOOK-1', quantity: 2, unitPrice: 1250 }] }),
        });
        return status === 201 ? true : undefined;
      },
      HANG_GUARD_MS,
    );

    // Spans reach the store from three processes, each on its own export schedule.
    const spans = await until(
      'the order trace with its users span, the publish and the handling of its event',
      async () => {
        for (const summary of await gatewayTraces('POST /api/orders')) {
          const found = await traceSpans(summary.traceId);
          const created = found?.some(
            (span) => span.serviceName === 'gateway' && span.attributes['http.response.status_code'] === 201,
          );
          const reachedUsers = found?.some((span) => span.serviceName === 'users' && span.kind === 'server');
          // The relay's publish span ends at the broker's confirm, which may come after the
          // consumer's span was exported: wait for both.
          const published = found?.some((span) => span.name === 'order.placed publish');
          const handled = found?.some((span) => span.name === 'order.placed process');
          if (created && reachedUsers && published && handled) return found;
        }
        return undefined;
      },
      HANG_GUARD_MS,
    );

    const one = (predicate: (span: StoredSpan) => boolean, what: string): StoredSpan => {
      const matches = spans.filter(predicate);
      expect(matches, what).toHaveLength(1);
      return matches[0]!;
    };
    const gatewaySpan = one((span) => span.serviceName === 'gateway', 'one gateway span');
    expect(gatewaySpan).toMatchObject({ name: 'POST /api/orders', kind: 'server', parentSpanId: null });
    expect(gatewaySpan.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/orders',
      'peer.service': 'orders',
      'http.response.status_code': 201,
    });

    const ordersSpan = one(
      (span) => span.serviceName === 'orders' && span.kind === 'server',
      'one orders server span',
    );
    expect(ordersSpan).toMatchObject({ name: 'POST /orders', parentSpanId: gatewaySpan.spanId });

    const call = one((span) => span.name === 'call users GET', 'one call to users');
    expect(call).toMatchObject({ serviceName: 'orders', parentSpanId: ordersSpan.spanId });
    const attempts = spans.filter(
      (span) => span.serviceName === 'orders' && span.parentSpanId === call.spanId,
    );
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    for (const attempt of attempts) expect(attempt).toMatchObject({ name: 'GET', kind: 'client' });

    const usersSpan = one((span) => span.serviceName === 'users' && span.kind === 'server', 'one users span');
    expect(usersSpan.name).toBe('GET /users/:id');
    expect(attempts.map((attempt) => attempt.spanId)).toContain(usersSpan.parentSpanId);
    const usersQueries = spans.filter((span) => span.serviceName === 'users' && span.kind === 'client');
    expect(usersQueries.length).toBeGreaterThanOrEqual(1);
    for (const query of usersQueries) expect(query.parentSpanId).toBe(usersSpan.spanId);

    // Orders' queries hang below its server span, directly or inside transaction and event spans.
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const ordersQueries = spans.filter(
      (span) => span.serviceName === 'orders' && span.attributes['db.system.name'] === 'postgresql',
    );
    expect(ordersQueries.map((span) => span.name)).toContain('INSERT');
    for (const query of ordersQueries) {
      // The outbox insert runs inside the event's create span, itself in the order's transaction.
      let parent = byId.get(query.parentSpanId ?? '');
      while (parent?.name === 'transaction' || parent?.name === 'order.placed create') {
        parent = byId.get(parent.parentSpanId ?? '');
      }
      expect(parent?.spanId).toBe(ordersSpan.spanId);
    }

    // The event: written with the order, published by the relay, handled by notifications.
    const created = one((span) => span.name === 'order.placed create', 'one outbox write');
    expect(created).toMatchObject({ serviceName: 'orders', kind: 'producer' });
    let writer = byId.get(created.parentSpanId ?? '');
    while (writer?.name === 'transaction') writer = byId.get(writer.parentSpanId ?? '');
    expect(writer?.spanId).toBe(ordersSpan.spanId);
    const published = one((span) => span.name === 'order.placed publish', 'one relay publish');
    expect(published).toMatchObject({
      serviceName: 'orders',
      kind: 'producer',
      parentSpanId: created.spanId,
    });
    const handled = one((span) => span.name === 'order.placed process', 'one handling');
    expect(handled).toMatchObject({
      serviceName: 'notifications',
      kind: 'consumer',
      parentSpanId: published.spanId,
    });
    expect(handled.attributes['messaging.message.id']).toBe(created.attributes['messaging.message.id']);
    const handlerQueries = spans.filter(
      (span) => span.serviceName === 'notifications' && span.attributes['db.system.name'] === 'postgresql',
    );
    expect(handlerQueries.length).toBeGreaterThanOrEqual(1);
    for (const query of handlerQueries) {
      let parent = byId.get(query.parentSpanId ?? '');
      while (parent?.name === 'transaction') parent = byId.get(parent.parentSpanId ?? '');
      expect(parent?.spanId).toBe(handled.spanId);
    }
    expect(spans.every((span) => span.status.code !== 'error')).toBe(true);
  }, 240_000);

  it('starts a fresh trace for a malformed traceparent and still answers', async () => {
    const before = new Set((await gatewayTraces('GET /api/users')).map((summary) => summary.traceId));
    const response = await fetch(`${gateway.url}/api/users?limit=1`, {
      headers: { traceparent: '00-not-a-trace-context-01' },
    });
    expect(response.status).toBe(200);
    const fresh = await until(
      'a new gateway trace',
      async () => {
        const added = (await gatewayTraces('GET /api/users')).filter(
          (summary) => !before.has(summary.traceId),
        );
        return added.length > 0 ? added : undefined;
      },
      HANG_GUARD_MS,
    );
    expect(fresh).toHaveLength(1);
    const spans = await until(
      'the users span of the new trace',
      async () => {
        const found = await traceSpans(fresh[0]!.traceId);
        return found?.some((span) => span.serviceName === 'users') ? found : undefined;
      },
      HANG_GUARD_MS,
    );
    const gatewaySpan = spans.find((span) => span.serviceName === 'gateway')!;
    expect(fresh[0]!.traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    expect(gatewaySpan).toMatchObject({ name: 'GET /api/users', parentSpanId: null });
    expect(spans.find((span) => span.serviceName === 'users' && span.kind === 'server')).toMatchObject({
      name: 'GET /users',
      parentSpanId: gatewaySpan.spanId,
    });
  }, 150_000);
});
