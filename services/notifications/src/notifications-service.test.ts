import { defineService, type RunningService, startService } from '@flotilla/kit';
import { httpSubscriberDirectory } from '@flotilla/kit/events';
import { testDatabase } from '@flotilla/kit/testing';
import { OrderPlaced } from '@flotilla/orders/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../contract/index.js';
import { notificationsService } from './notifications-service.js';

// orders' side is played by a service of the same name publishing through the kit, from orders'
// contract only: the embedded transport delivers to notifications as it does in the system.
const ordersStandIn = defineService({ name: 'orders', version: '0.1.0', routes: () => {} });
const tuning = {
  relay: { pollIntervalMs: 100 },
  consumer: { maxAttempts: 2, backoff: { initialDelayMs: 5, maxDelayMs: 20 } },
};
const databases: Awaited<ReturnType<typeof testDatabase>>[] = [];
let notifications: RunningService;
let orders: RunningService;

beforeAll(async () => {
  const [notificationsDb, ordersDb] = [await testDatabase(), await testDatabase()];
  databases.push(notificationsDb, ordersDb);
  notifications = await startService(notificationsService, {
    environment: { LOG_LEVEL: 'silent' },
    database: notificationsDb,
    events: tuning,
  });
  orders = await startService(ordersStandIn, {
    environment: { LOG_LEVEL: 'silent' },
    database: ordersDb,
    events: tuning,
    subscriberDirectory: httpSubscriberDirectory({
      instances: async () => [{ service: 'notifications', url: notifications.url }],
      cacheMs: 100,
    }),
  });
});
afterAll(async () => {
  await orders?.stop();
  await notifications?.stop();
  await Promise.all(databases.map((database) => database.dispose()));
});

async function place(orderId: string, userId: string, total: number) {
  await orders.context.db.transaction((tx) =>
    orders.context.events.publish(
      tx,
      OrderPlaced,
      {
        orderId,
        userId,
        items: [{ sku: 'TEA-1', quantity: 2, unitPrice: total / 2 }],
        total,
        placedAt: new Date().toISOString(),
      },
      { key: orderId },
    ),
  );
}

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${notifications.url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

const listFor = (userId: string, query = '') =>
  get<Notification[]>(`/notifications?userId=${userId}${query}`).then((answer) => answer.body);

describe('notifications service', () => {
  it('records one notification per order placed and serves it by user and by id', async () => {
    await place('o-1', 'u-ada', 1_298);
    // Events with different keys may be handled in either order; "newest first" needs o-1 recorded first.
    await expect.poll(() => listFor('u-ada').then((list) => list.length), { timeout: 20_000 }).toBe(1);
    await place('o-2', 'u-ada', 900);
    await place('o-3', 'u-lin', 450);
    await expect.poll(() => listFor('u-ada').then((list) => list.length), { timeout: 20_000 }).toBe(2);
    const list = await listFor('u-ada');
    expect(list.map((n) => n.orderId)).toEqual(['o-2', 'o-1']); // newest first
    expect(list[1]).toMatchObject({ userId: 'u-ada', message: 'Order o-1 placed: 2 items, total 12.98' });
    expect((await listFor('u-ada', '&limit=1')).map((n) => n.orderId)).toEqual(['o-2']);
    const one = await get<Notification>(`/notifications/${list[0]!.id}`);
    expect([one.status, one.body]).toEqual([200, list[0]]);
    await expect.poll(() => listFor('u-lin').then((l) => l.length), { timeout: 20_000 }).toBe(1);
  });

  it('records a redelivered event once', async () => {
    await place('o-4', 'u-twice', 100);
    await expect.poll(() => listFor('u-twice').then((list) => list.length), { timeout: 20_000 }).toBe(1);
    const { rows } = await orders.context.db.query<{ event: unknown }>(
      "select event from flotilla_outbox where key = 'o-4'",
    );
    const again = await fetch(`${notifications.url}/events/deliver`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([rows[0]!.event]),
    });
    expect(await again.json()).toEqual({ accepted: 1 });
    expect(await listFor('u-twice')).toHaveLength(1);
  });

  it('prunes notifications past the retention when its hourly job runs', async () => {
    await notifications.context.db.query(
      `insert into notifications (id, order_id, user_id, message, created_at)
       values ('n-old', 'o-old', 'u-prune', 'old', now() - interval '91 days'),
              ('n-new', 'o-new', 'u-prune', 'new', now() - interval '89 days')`,
    );
    const asked = await fetch(`${notifications.url}/jobs/prune-notifications/run`, { method: 'POST' });
    expect(asked.status).toBe(202);
    await expect
      .poll(
        async () =>
          (await get<{ jobs: { runs: { status: string }[] }[] }>('/jobs')).body.jobs[0]?.runs[0]?.status,
      )
      .toBe('done');
    expect((await listFor('u-prune')).map((n) => n.orderId)).toEqual(['o-new']);
  });

  it('answers bad requests and unknown ids with problem+json', async () => {
    const missing = await get<{ code: string }>('/notifications/nope');
    expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);
    expect((await get('/notifications')).status).toBe(400);
    expect((await get('/notifications?userId=u-ada&limit=101')).status).toBe(400);
  });
});
