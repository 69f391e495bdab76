import { type RunningService, startService } from '@flotilla/kit';
import { staticBalancer } from '@flotilla/kit/discovery';
import { testDatabase } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnUsers } from '../../../tests/support/spawn-users.js';
import { ordersService } from './orders-service.js';

let users: Awaited<ReturnType<typeof spawnUsers>>;
let orders: RunningService;
const databases: Awaited<ReturnType<typeof testDatabase>>[] = [];
let userId: string;

beforeAll(async () => {
  const ordersDb = await testDatabase();
  databases.push(ordersDb);
  users = await spawnUsers();
  orders = await startService(ordersService, {
    environment: { LOG_LEVEL: 'warn' },
    database: ordersDb,
    balancer: staticBalancer({ users: [users.url] }),
  });
  const created = await call(users.url, 'POST', '/users', { name: 'Ada', email: 'ada@orders.example' });
  userId = created.body.id;
}, 90_000); // spawning users with a fresh embedded database is slow on a busy machine
afterAll(async () => {
  await orders?.stop();
  await users?.stop();
  await Promise.all(databases.map((database) => database.dispose()));
});

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
const order = (body: unknown, headers?: Record<string, string>) =>
  call(orders.url, 'POST', '/orders', body, headers);
const items = [
  { sku: 'TEA-1', quantity: 2, unitPrice: 450 },
  { sku: 'CUP-9', quantity: 1, unitPrice: 1299 },
];

describe('orders service', () => {
  it('creates an order with its lines and total in minor units, then reads it back', async () => {
    const created = await order({ userId, items });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userId, items, total: 2 * 450 + 1299 });
    expect(created.headers.get('location')).toBe(`/orders/${created.body.id}`);
    const read = await call(orders.url, 'GET', created.headers.get('location')!);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it('lists a user’s orders newest first, paged', async () => {
    const { body: other } = await call(users.url, 'POST', '/users', {
      name: 'Lin',
      email: 'lin@orders.example',
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await order({ userId: other.id, items: [items[0]] })).body.id);
    const first = await call(orders.url, 'GET', `/orders?userId=${other.id}&limit=2`);
    expect(first.body.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1]]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    const second = await call(orders.url, 'GET', next!);
    expect(second.body.map((o: { id: string }) => o.id)).toEqual([ids[0]]);
    expect((await call(orders.url, 'GET', '/orders')).status).toBe(400);
  });

  it('validates quantities, prices and items, naming each bad field', async () => {
    const bad = await order({
      userId,
      items: [
        { sku: 'A', quantity: 0, unitPrice: 100 },
        { sku: 'B', quantity: 1, unitPrice: -1 },
        { sku: 'C', quantity: 1, unitPrice: 1.5 },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const fields = bad.body.errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        '/body/items/0/quantity',
        '/body/items/1/unitPrice',
        '/body/items/2/unitPrice',
      ]),
    );
    expect((await order({ userId, items: [] })).status).toBe(400);
  });

  it('refuses an order for an unknown user as a validation problem on userId', async () => {
    const unknown = await order({ userId: 'no-such-user', items });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: '/body/userId', message: 'no such user' }],
    });
  });

  it('answers 404 for an unknown order', async () => {
    const missing = await call(orders.url, 'GET', '/orders/nope');
    expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('creates one order per Idempotency-Key, even for concurrent retries', async () => {
    const key = `key-${Date.now()}`;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => order({ userId, items }, { 'idempotency-key': key })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    const later = await order({ userId, items }, { 'idempotency-key': key });
    expect(later.body.id).toBe(answers[0]!.body.id);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses a reused Idempotency-Key with a different body (422)', async () => {
    const key = `reuse-${Date.now()}`;
    expect((await order({ userId, items }, { 'idempotency-key': key })).status).toBe(201);
    const reused = await order({ userId, items: [items[0]] }, { 'idempotency-key': key });
    expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
  });

  it('reports its breaker to users as JSON and in metrics', async () => {
    const breakers = await call(orders.url, 'GET', '/internal/breakers');
    expect(breakers.body.breakers).toEqual([expect.objectContaining({ target: 'users', state: 'closed' })]);
    const metrics = await fetch(`${orders.url}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(
      /flotilla_client_calls_total\{target="users",outcome="success",service="orders"\} \d+/,
    );
  });

  it('scopes orders to the end user the gateway verified: someone else’s is 404, listing or placing for them 403', async () => {
    const { body: other } = await call(users.url, 'POST', '/users', {
      name: 'Mae',
      email: 'mae@orders.example',
    });
    const asOwner = { 'x-auth-subject': userId };
    const asOther = { 'x-auth-subject': other.id };
    const mine = await order({ userId, items }, asOwner);
    expect(mine.status).toBe(201);
    expect((await call(orders.url, 'GET', `/orders/${mine.body.id}`, undefined, asOwner)).status).toBe(200);

    const stolen = await call(orders.url, 'GET', `/orders/${mine.body.id}`, undefined, asOther);
    const missing = await call(orders.url, 'GET', '/orders/no-such-order', undefined, asOther);
    expect([stolen.status, stolen.body.code]).toEqual([404, 'NOT_FOUND']);
    // Nothing but the id in the path tells the two answers apart: existence is not disclosed.
    expect(stolen.body.detail.replace(mine.body.id, '?')).toBe(
      missing.body.detail.replace('no-such-order', '?'),
    );

    const listed = await call(orders.url, 'GET', `/orders?userId=${userId}`, undefined, asOther);
    expect([listed.status, listed.body.code]).toEqual([403, 'FORBIDDEN']);
    const placed = await order({ userId, items }, asOther);
    expect([placed.status, placed.body.code]).toEqual([403, 'FORBIDDEN']);
    const own = await call(orders.url, 'GET', `/orders?userId=${userId}`, undefined, asOwner);
    expect(own.body.map((listedOrder: { id: string }) => listedOrder.id)).toContain(mine.body.id);

    // Without an end user (another service, an operator behind the gateway) every order is readable.
    expect((await call(orders.url, 'GET', `/orders/${mine.body.id}`)).status).toBe(200);
  });
});
