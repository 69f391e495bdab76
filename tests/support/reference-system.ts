import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { processedEvents } from './processed-events.js';
import { kill, repositoryRoot, type SpawnedService, spawnService } from './spawn-service.js';
import { until } from './until.js';

const entry = (path: string) => join(repositoryRoot, path, 'src/main.ts');

interface Answer<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** JSON answers; `T` is what the test expects, checked by its assertions. */
async function json<T = { id: string }>(url: string, init?: RequestInit): Promise<Answer<T>> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }); // hang guard
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  json(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/**
 * The reference system as separate processes — control plane, users, orders, notifications — each
 * registered in the control plane's registry, with `environment()` added (e.g. an EVENTS_URL):
 * users' events fill orders' replica, orders' events become notifications, and with users stopped
 * an order for a replicated user is still created.
 */
export function referenceSystemScenario(environment: () => Record<string, string> = () => ({})): void {
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-reference-'));
  const processes: Partial<Record<'controlPlane' | 'users' | 'orders' | 'notifications', SpawnedService>> =
    {};
  const url = (name: keyof typeof processes) => processes[name]!.url;
  let userId: string;

  beforeAll(async () => {
    processes.controlPlane = await spawnService(join(repositoryRoot, 'packages/control-plane/src/main.ts'), {
      LOG_LEVEL: 'info',
      REGISTRY_SNAPSHOT_PATH: join(scratch, 'registry.json'),
      CHECK_TICK: '20ms',
    });
    // Consumers first, one at a time: embedded databases initialising at once starve a 2-core machine.
    for (const [name, path] of [
      ['notifications', 'services/notifications'],
      ['orders', 'services/orders'],
      ['users', 'services/users'],
    ] as const) {
      processes[name] = await spawnService(
        entry(path),
        {
          LOG_LEVEL: 'info',
          DATA_DIR: join(scratch, name),
          REGISTRY_URL: url('controlPlane'),
          REGISTRY_CHECK_INTERVAL: '300ms',
          REGISTRY_CHECK_TIMEOUT: '200ms',
          REGISTRY_SYNC_INTERVAL: '500ms',
          ...environment(),
        },
        60_000,
      );
    }
    for (const name of ['users', 'orders', 'notifications']) {
      await until(
        `${name} passing`,
        async () =>
          (await json<unknown[]>(`${url('controlPlane')}/v1/health/service/${name}?passing=true`)).body
            .length === 1,
      );
    }
  }, 240_000);

  afterAll(async () => {
    for (const service of Object.values(processes)) await kill(service);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('replicates a created user into orders and records a notification for its order', async () => {
    const created = await post(`${url('users')}/users`, {
      name: 'Ada',
      email: `ada-${randomUUID()}@reference.example`,
    });
    expect(created.status).toBe(201);
    userId = created.body.id;
    await until(
      'the user replicated into orders',
      async () => (await processedEvents(url('orders'), 'user-replica')) >= 1,
    );

    // Until orders' registry watcher has seen users, a try may answer 503; the key keeps it one order.
    const key = { 'idempotency-key': randomUUID() };
    const order = await until('an order created', async () => {
      const answer = await post(
        `${url('orders')}/orders`,
        { userId, items: [{ sku: 'TEA-1', quantity: 2, unitPrice: 450 }] },
        key,
      );
      return answer.status === 201 && answer;
    });
    const notifications = await until('its notification', async () => {
      const list = (await json<unknown[]>(`${url('notifications')}/notifications?userId=${userId}`)).body;
      return list.length === 1 && list;
    });
    expect(notifications[0]).toMatchObject({
      orderId: order.body.id,
      userId,
      message: `Order ${order.body.id} placed: 2 items, total 9.00`,
    });
  });

  it('still creates an order for a replicated user with users stopped, and answers 503 for an unknown one', async () => {
    await kill(processes.users);
    const order = await post(`${url('orders')}/orders`, {
      userId,
      items: [{ sku: 'CUP-9', quantity: 1, unitPrice: 1299 }],
    });
    expect(order.status).toBe(201);
    const unknown = await post(`${url('orders')}/orders`, {
      userId: 'never-created',
      items: [{ sku: 'CUP-9', quantity: 1, unitPrice: 1 }],
    });
    expect(unknown.status).toBe(503);
    expect(unknown.headers.get('retry-after')).not.toBeNull();
    await until(
      'the notification of the order placed with users stopped',
      async () =>
        (await json<{ orderId: string }[]>(`${url('notifications')}/notifications?userId=${userId}`)).body[0]
          ?.orderId === order.body.id,
    );
  });
}
