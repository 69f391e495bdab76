import { randomUUID } from 'node:crypto';
import { type RunningService, startService } from '@flotilla/kit';
import { staticBalancer } from '@flotilla/kit/discovery';
import { FlotillaError } from '@flotilla/kit/errors';
import type { EventData } from '@flotilla/kit/events';
import {
  deliverEvent,
  publishedEvents,
  type StubService,
  stubService,
  testDatabase,
} from '@flotilla/kit/testing';
import { type User, UserCreated, UserDeleted, UserUpdated } from '@flotilla/users/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersService } from './orders-service.js';

// Orders alone: users' events are delivered to its subscriptions as a transport would, and users
// is either gone or a stub answering as users does.
const databases: Awaited<ReturnType<typeof testDatabase>>[] = [];
const stops: (() => Promise<void>)[] = [];
const knownUsers = new Map<string, User>();
let usersUp: StubService;

async function startOrders(usersUrl: string): Promise<RunningService> {
  const database = await testDatabase();
  databases.push(database);
  const orders = await startService(ordersService, {
    environment: { LOG_LEVEL: 'silent', CLIENT_USERS_RETRIES: '0' },
    database,
    balancer: staticBalancer({ users: [usersUrl] }),
  });
  stops.push(() => orders.stop());
  return orders;
}

function user(id: string, name: string, at: string): User {
  return { id, name, email: `${name.toLowerCase()}@replica.example`, createdAt: at, updatedAt: at };
}

/** Delivers one of users' events to orders' subscriptions, keyed by the user as users publishes it. */
async function deliver<D extends typeof UserCreated | typeof UserUpdated | typeof UserDeleted>(
  orders: RunningService,
  definition: D,
  data: EventData<D>,
  time: string,
): Promise<void> {
  const { outcomes } = await deliverEvent(orders, definition, data, { key: data.id, time });
  expect(outcomes).toEqual(['processed']);
}

async function order(orders: RunningService, userId: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${orders.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ userId, items: [{ sku: 'TEA-1', quantity: 2, unitPrice: 450 }] }),
    signal: AbortSignal.timeout(10_000), // hang guard
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as { id: string; code?: string },
  };
}

/** Where users was: a stub that has stopped listening. */
async function unreachableUrl(): Promise<string> {
  const gone = await stubService({});
  await gone.close();
  return gone.url;
}

beforeAll(async () => {
  usersUp = await stubService({
    'GET /users/:id': ({ params }) => {
      const found = knownUsers.get(params.id);
      if (!found) throw new FlotillaError('NOT_FOUND', { detail: `no user ${params.id}` });
      return found;
    },
  });
  stops.push(() => usersUp.close());
  knownUsers.set('u-live', user('u-live', 'Live', '2025-01-01T00:00:00.000Z'));
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await Promise.all(databases.map((database) => database.dispose()));
});

describe('orders with users unreachable', () => {
  it('creates an order for a replicated user, refuses a deleted one, and answers 503 for an unknown one', async () => {
    const orders = await startOrders(await unreachableUrl());
    await deliver(
      orders,
      UserCreated,
      user('u-1', 'Ada', '2025-01-01T00:00:00.000Z'),
      '2025-01-01T00:00:00.000Z',
    );
    await deliver(
      orders,
      UserCreated,
      user('u-2', 'Lin', '2025-01-01T00:00:00.000Z'),
      '2025-01-01T00:00:01.000Z',
    );
    await deliver(orders, UserDeleted, { id: 'u-2' }, '2025-01-01T00:00:02.000Z');

    const placed = await order(orders, 'u-1');
    expect(placed.status).toBe(201);
    expect((await fetch(`${orders.url}/orders/${placed.body.id}`)).status).toBe(200);

    const deleted = await order(orders, 'u-2');
    expect([deleted.status, deleted.body.code]).toEqual([400, 'VALIDATION_FAILED']);

    const unknown = await order(orders, 'u-never-seen');
    expect([unknown.status, unknown.body.code]).toEqual([503, 'UPSTREAM_UNAVAILABLE']);
    expect(Number(unknown.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('never lets an older event overwrite what a newer one wrote', async () => {
    const orders = await startOrders(await unreachableUrl());
    const replica = async () =>
      (
        await orders.context.db.query<{ name: string | null; deleted: boolean }>(
          "select name, deleted from user_replica where id = 'u-3'",
        )
      ).rows[0];
    await deliver(
      orders,
      UserUpdated,
      user('u-3', 'Newer', '2025-01-01T00:00:00.000Z'),
      '2025-01-02T00:00:00.000Z',
    );
    await deliver(
      orders,
      UserCreated,
      user('u-3', 'Older', '2025-01-01T00:00:00.000Z'),
      '2025-01-01T00:00:00.000Z',
    );
    expect(await replica()).toEqual({ name: 'Newer', deleted: false });
    await deliver(orders, UserDeleted, { id: 'u-3' }, '2025-01-01T12:00:00.000Z');
    expect(await replica()).toEqual({ name: 'Newer', deleted: false });
    await deliver(orders, UserDeleted, { id: 'u-3' }, '2025-01-03T00:00:00.000Z');
    expect(await replica()).toEqual({ name: null, deleted: true });
    // A late create after the delete does not bring the user back.
    await deliver(
      orders,
      UserCreated,
      user('u-3', 'Older', '2025-01-01T00:00:00.000Z'),
      '2025-01-01T00:00:00.000Z',
    );
    expect(await replica()).toEqual({ name: null, deleted: true });
  });
});

describe('order.placed', () => {
  it('is published once per order, in its transaction, and not again on an idempotent replay', async () => {
    const orders = await startOrders(usersUp.url);
    const outbox = () => publishedEvents(orders.context.db, 'order.placed');

    const key = { 'idempotency-key': `k-${randomUUID()}` };
    const first = await order(orders, 'u-live', key);
    expect(first.status).toBe(201);
    expect((await order(orders, 'u-live', key)).body.id).toBe(first.body.id);
    expect((await order(orders, 'no-such-user')).status).toBe(400);
    // Users was asked for each user it did not know yet, through orders' real client.
    expect(usersUp.requests.map((request) => request.params.id)).toEqual(['u-live', 'no-such-user']);

    const events = await outbox();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subject: first.body.id,
      data: {
        orderId: first.body.id,
        userId: 'u-live',
        items: [{ sku: 'TEA-1', quantity: 2, unitPrice: 450 }],
        total: 900,
        placedAt: expect.any(String),
      },
    });
  });
});
