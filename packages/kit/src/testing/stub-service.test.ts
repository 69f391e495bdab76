import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticBalancer } from '../discovery/index.js';
import { FlotillaError } from '../errors/index.js';
import { defineService, type RunningService, startService } from '../service/index.js';
import { type StubService, stubService } from './stub-service.js';
import { type TestDatabase, testDatabase } from './test-database.js';

/** Greets a user by the name the users service has for them. */
const greeter = defineService({
  name: 'greeter',
  version: '1.0.0',
  calls: ['users'],
  routes: (app, context) => {
    app.get('/greetings/:id', async (request) => {
      const { id } = request.params as { id: string };
      const user = await context.client('users').get<{ name: string }>(`/users/${id}`);
      return { greeting: `hello ${user.name}` };
    });
  },
});

describe('stubService', () => {
  let users: StubService;
  let database: TestDatabase;
  let service: RunningService;

  beforeAll(async () => {
    users = await stubService({
      'GET /users/:id': ({ params }) => {
        if (params.id === 'ghost') throw new FlotillaError('NOT_FOUND', { detail: 'no such user' });
        return { id: params.id, name: params.id.toUpperCase() };
      },
    });
    database = await testDatabase();
    service = await startService(greeter, {
      environment: { LOG_LEVEL: 'silent' },
      database,
      balancer: staticBalancer({ users: [users.url] }),
    });
  });

  afterAll(async () => {
    await service?.stop();
    await database?.dispose();
    await users?.close();
  });

  it("answers the service's client through discovery, and records what it was asked", async () => {
    const response = await fetch(`${service.url}/greetings/ada`);
    expect(await response.json()).toEqual({ greeting: 'hello ADA' });
    expect(users.requests.at(-1)).toMatchObject({ method: 'GET', params: { id: 'ada' } });
  });

  it("names each handler's params after its route's segments", async () => {
    const orders = await stubService({
      'GET /users/:id/orders/:order': ({ params }) => {
        // @ts-expect-error: the route has no :name segment
        const { name } = params;
        return { id: params.id, order: params.order, name: name ?? null };
      },
    });
    try {
      const response = await fetch(`${orders.url}/users/ada/orders/7`);
      expect(await response.json()).toEqual({ id: 'ada', order: '7', name: null });
    } finally {
      await orders.close();
    }
  });

  it('answers a thrown FlotillaError as problem+json, and records unknown routes too', async () => {
    const missing = await fetch(`${users.url}/users/ghost`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${service.url}/greetings/ghost`)).status).toBeGreaterThanOrEqual(400);

    const before = users.requests.length;
    expect((await fetch(`${users.url}/elsewhere`, { method: 'DELETE' })).status).toBe(404);
    expect(users.requests.slice(before)).toMatchObject([{ method: 'DELETE' }]);
  });
});
