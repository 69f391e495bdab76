import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type RunningService, startService } from '@flotilla/kit';
import { staticBalancer } from '@flotilla/kit/discovery';
import { testDatabase } from '@flotilla/kit/testing';
import type { User } from '@flotilla/users/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ordersService } from './orders-service.js';

// Orders alone: users' events are delivered to it as the embedded transport would, and users is
// either a port nobody listens on or a small server answering as users does.
const databases: Awaited<ReturnType<typeof testDatabase>>[] = [];
const stops: (() => Promise<void>)[] = [];
let knownUsers: Map<string, User>;
let usersUp: Server;
let usersUpUrl: string;

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

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

let seq = 0;
/** Delivers users' events to orders as the embedded transport does. */
async function deliver(orders: RunningService, type: string, data: unknown, time: string) {
  const event = {
    specversion: '1.0',
    // Time-ordered like the kit's ids, so ties on `time` still order by id.
    id: `0190a0a0-0000-7000-8000-${String(++seq).padStart(12, '0')}`,
    source: '/users',
    type,
    subject: (data as { id: string }).id,
    time,
    datacontenttype: 'application/json',
    data,
  };
  const response = await fetch(`${orders.url}/events/deliver`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify([event]),
  });
  expect(await response.json()).toEqual({ accepted: 1 });
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

async function unreachableUrl(): Promise<string> {
  const server = createServer();
  const url = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return url;
}

beforeAll(async () => {
  knownUsers = new Map();
  usersUp = createServer((request, response) => {
    const found = knownUsers.get(decodeURIComponent(request.url?.split('/')[2] ?? ''));
    response
      .writeHead(found ? 200 : 404, {
        'content-type': found ? 'application/json' : 'application/problem+json',
      })
      .end(JSON.stringify(found ?? { status: 404, code: 'NOT_FOUND', title: 'Not found' }));
  });
  usersUpUrl = await listen(usersUp);
  stops.push(() => new Promise((resolve) => usersUp.close(() => resolve())));
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
      'user.created',
      user('u-1', 'Ada', '2025-01-01T00:00:00.000Z'),
      '2025-01-01T00:00:00.000Z',
    );
    await deliver(
      orders,
      'user.created',
      user('u-2', 'Lin', '2025-01-01T00:00:00.000Z'),
      '2025-01-01T00:00:01.000Z',
    );
    await deliver(orders, 'user.deleted', { id: 'u-2' }, '2025-01-01T00:00:02.000Z');

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
      'user.updated',
      user('u-3', 'Newer', '2025-01-01T00:00:00.000Z'),
      '2025-01-02T00:00:00.000Z',
    );
    await deliver(
      orders,
      'user.created',
      user('u-3', 'Older', '2025-01-01T00:00:00.000Z'),
      '2025-01-01T00:00:00.000Z',
    );
    expect(await replica()).toEqual({ name: 'Newer', deleted: false });
    await deliver(orders, 'user.deleted', { id: 'u-3' }, '2025-01-01T12:00:00.000Z');
    expect(await replica()).toEqual({ name: 'Newer', deleted: false });
    await deliver(orders, 'user.deleted', { id: 'u-3' }, '2025-01-03T00:00:00.000Z');
    expect(await replica()).toEqual({ name: null, deleted: true });
    // A late create after the delete does not bring the user back.
    await deliver(
      orders,
      'user.created',
      user('u-3', 'Older', '2025-01-01T00:00:00.000Z'),
      '2025-01-01T00:00:00.000Z',
    );
    expect(await replica()).toEqual({ name: null, deleted: true });
  });
});

describe('order.placed', () => {
  it('is published once per order, in its transaction, and not again on an idempotent replay', async () => {
    const orders = await startOrders(usersUpUrl);
    const outbox = async () =>
      (
        await orders.context.db.query<{ event: { subject: string; data: Record<string, unknown> } }>(
          "select event from flotilla_outbox where type = 'order.placed' order by seq",
        )
      ).rows.map((row) => row.event);

    const key = { 'idempotency-key': `k-${randomUUID()}` };
    const first = await order(orders, 'u-live', key);
    expect(first.status).toBe(201);
    expect((await order(orders, 'u-live', key)).body.id).toBe(first.body.id);
    expect((await order(orders, 'no-such-user')).status).toBe(400);

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
