import { createServer } from 'node:net';
import { createHttpServer, type HttpServer } from '@flotilla/kit/http';
import { createLogger } from '@flotilla/kit/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceView } from './dashboard-options.js';
import type { Overview } from './overview.js';
import { registerDashboard } from './register-dashboard.js';
import { type FakeInstance, fakeInstance } from './testing/fake-instance.js';

const MINUTE = 60_000;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function dashboardServer(options: Parameters<typeof registerDashboard>[1]): Promise<HttpServer> {
  return createHttpServer({
    name: 'control-plane',
    version: '0.1.0',
    logger: createLogger({ name: 'control-plane', level: 'silent' }),
  }).then((app) => {
    registerDashboard(app, options);
    return app;
  });
}

describe('dashboard API', () => {
  let clock = 1_700_000_000_000;
  const fakes: FakeInstance[] = [];
  let services: ServiceView[];
  let app: HttpServer;

  beforeAll(async () => {
    // Each scrape of a users instance records 9 fast answers, 1 slow 500, and probes that must not count.
    const usersTraffic = [
      ...Array.from({ length: 9 }, () => ['/users/:id', 200, 0.02] as const),
      ['/users/:id', 500, 0.3] as const,
      ...Array.from({ length: 5 }, () => ['/health/ready', 200, 0.001] as const),
      ['/events/dead-letters', 200, 0.001] as const,
    ];
    const users = await Promise.all(
      ['users-1', 'users-2'].map((id) => fakeInstance(id, { service: 'users', traffic: usersTraffic })),
    );
    const orders = await fakeInstance('orders-1', {
      service: 'orders',
      traffic: [['/orders', 201, 0.04]],
      breakers: { breakers: [{ target: 'users', state: 'open' }] },
      extraMetrics: 'flotilla_outbox_pending 4\nflotilla_outbox_oldest_age_seconds 9\n',
      deadLetters: [{ id: 'dl-1', type: 'order.placed', error: 'boom', attempts: 5 }],
    });
    const gateway = await fakeInstance('gateway-1', {
      service: 'gateway',
      traffic: [['/api/*', 200, 0.01]],
      breakers: [{ target: 'users', state: 'closed' }],
    });
    fakes.push(...users, orders, gateway);
    const deadPort = await closedPort();
    services = [
      { name: 'gateway', instances: [gateway.view] },
      {
        name: 'users',
        instances: users.map((fake) => ({ ...fake.view, meta: { 'route-prefix': '/api/users' } })),
      },
      {
        name: 'orders',
        instances: [{ ...orders.view, meta: { 'route-prefix': '/api/orders', version: '1.2.0' } }],
      },
      {
        name: 'notifications',
        instances: [{ id: 'notifications-1', address: '127.0.0.1', port: deadPort, health: 'critical' }],
      },
      {
        name: 'ghost',
        instances: [{ id: 'ghost-1', address: '127.0.0.1', port: deadPort, health: 'passing' }],
      },
    ];
    app = await dashboardServer({
      listServices: async () => services,
      transport: () => ({ kind: 'embedded', label: 'embedded' }),
      scrapeIntervalMs: MINUTE,
      windowMs: 2 * MINUTE,
      now: () => clock,
    });
  });

  afterAll(async () => {
    await app.close();
    await Promise.all(fakes.map((fake) => fake.close()));
  });

  it('computes req/s, error rate and p95 from two scrapes, with health, breakers and events', async () => {
    const first = (await app.inject({ method: 'GET', url: '/api/overview' })).json() as Overview;
    expect(first.services.find((service) => service.name === 'users')?.traffic).toBeNull();

    clock += MINUTE;
    const response = await app.inject({ method: 'GET', url: '/api/overview' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const overview = response.json() as Overview;
    const byName = new Map(overview.services.map((service) => [service.name, service]));

    expect(overview.gateway?.name).toBe('gateway');
    expect(overview.services.map((service) => service.name)).toEqual([
      'ghost',
      'notifications',
      'orders',
      'users',
    ]);
    // 10 requests per instance per scrape, 2 instances, over 60 s; probes excluded.
    const users = byName.get('users')!;
    expect(users.status).toBe('healthy');
    expect(users.traffic?.requestsPerSecond).toBeCloseTo(20 / 60);
    expect(users.traffic?.errorRate).toBeCloseTo(0.1);
    // 18 of 20 at ≤ 25 ms, 2 in (0.25 s, 0.5 s]: the 19th of 20 is halfway into that bucket.
    expect(users.traffic?.p95Ms).toBeCloseTo(375);
    expect(users.traffic?.windowSeconds).toBe(60);
    expect(users.events).toBeNull();

    const orders = byName.get('orders')!;
    expect(orders.routePrefix).toBe('/api/orders');
    expect(orders.instances[0]).toMatchObject({
      id: 'orders-1',
      health: 'passing',
      version: '1.2.0',
      scrape: 'ok',
    });
    expect(orders.breakers).toEqual([{ target: 'users', state: 'open', instances: { open: 1 } }]);
    expect(orders.events).toEqual({ outboxPending: 4, outboxOldestSeconds: 9, deadLetters: 1 });

    const notifications = byName.get('notifications')!;
    expect(notifications.status).toBe('down');
    expect(notifications.instances[0]?.scrape).toBe('failed');
    expect(notifications.traffic).toBeNull();

    expect(overview.transport).toEqual({ kind: 'embedded', label: 'embedded' });
    expect(overview.edges).toEqual(
      expect.arrayContaining([
        { from: 'gateway', to: 'users', kind: 'http', breaker: 'closed' },
        { from: 'gateway', to: 'orders', kind: 'http' },
        { from: 'orders', to: 'users', kind: 'http', breaker: 'open' },
        { from: 'orders', to: 'transport', kind: 'events' },
      ]),
    );
    expect(overview.edges.some((edge) => edge.to === 'notifications')).toBe(false);
  });

  it('lists and redrives dead letters through a passing instance', async () => {
    const list = await app.inject({ method: 'GET', url: '/api/services/orders/dead-letters' });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({
      service: 'orders',
      instance: 'orders-1',
      deadLetters: [{ id: 'dl-1', error: 'boom' }],
    });

    const redrive = await app.inject({
      method: 'POST',
      url: '/api/services/orders/dead-letters/dl-1/redrive',
    });
    expect(redrive.statusCode).toBe(200);
    expect(redrive.json()).toEqual({
      service: 'orders',
      id: 'dl-1',
      instance: 'orders-1',
      result: { redriven: 'dl-1' },
    });
    expect(fakes.find((fake) => fake.view.id === 'orders-1')?.redriven).toEqual(['dl-1']);
  });

  it.each([
    [
      'an unknown dead letter',
      '/api/services/orders/dead-letters/dl-1/redrive',
      404,
      'NOT_FOUND',
      'no such dead letter',
    ],
    [
      'an unknown service',
      '/api/services/nope/dead-letters/x/redrive',
      404,
      'NOT_FOUND',
      "no service named 'nope' is registered",
    ],
    [
      'a service with no passing instance',
      '/api/services/notifications/dead-letters/x/redrive',
      503,
      'UPSTREAM_UNAVAILABLE',
      undefined,
    ],
    [
      'an instance refusing connections',
      '/api/services/ghost/dead-letters/x/redrive',
      502,
      'BAD_GATEWAY',
      undefined,
    ],
    [
      'a malformed service name',
      '/api/services/bad%20name!/dead-letters/x/redrive',
      400,
      'VALIDATION_FAILED',
      undefined,
    ],
  ])('answers %s with problem+json', async (_case, url, status, code, detail) => {
    const response = await app.inject({ method: 'POST', url });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const problem = response.json();
    expect(problem).toMatchObject({ status, code });
    if (detail) expect(problem.detail).toBe(detail);
    if (status >= 500 && status !== 503) expect(problem.detail).toBeUndefined();
  });

  it('answers 504 when an instance does not answer in time, and 503 when the registry fails', async () => {
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const slow = await dashboardServer({
      listServices: async () => services,
      fetch: hanging,
      instanceTimeoutMs: 50,
    });
    const broken = await dashboardServer({
      listServices: async () => {
        throw new Error('registry exploded');
      },
    });
    try {
      const timedOut = await slow.inject({
        method: 'POST',
        url: '/api/services/orders/dead-letters/a/redrive',
      });
      expect(timedOut.statusCode).toBe(504);
      expect(timedOut.json()).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: 'orders' });

      const noRegistry = await broken.inject({ method: 'GET', url: '/api/overview' });
      expect(noRegistry.statusCode).toBe(503);
      expect(noRegistry.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'registry' });
      expect(noRegistry.body).not.toContain('exploded');
    } finally {
      await slow.close();
      await broken.close();
    }
  });

  it('serves the page with content types, revalidation and a same-origin policy', async () => {
    const bare = await app.inject({ method: 'GET', url: '/ui' });
    expect(bare.statusCode).toBe(302);
    expect(bare.headers.location).toBe('/ui/');

    const page = await app.inject({ method: 'GET', url: '/ui/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).toContain('<script type="module" src="app.js">');
    expect(page.body).not.toMatch(/https?:\/\//);

    const again = await app.inject({
      method: 'GET',
      url: '/ui/',
      headers: { 'if-none-match': String(page.headers.etag) },
    });
    expect(again.statusCode).toBe(304);

    const script = await app.inject({ method: 'GET', url: '/ui/app.js' });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const style = await app.inject({ method: 'GET', url: '/ui/style.css' });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');

    const traversal = await app.inject({ method: 'GET', url: '/ui/..%2Fpackage.json' });
    expect(traversal.statusCode).toBe(404);
    expect(traversal.headers['content-type']).toContain('application/problem+json');
  });
});

describe('dashboard API on Kafka', () => {
  const services: ServiceView[] = [
    { name: 'notifications', instances: [] },
    { name: 'orders', instances: [] },
  ];
  const orders = { group: 'flotilla.orders', lag: 0, partitions: [] };
  const notifications = {
    group: 'flotilla.notifications',
    lag: 7,
    partitions: [{ topic: 'flotilla.orders', partition: 0, committed: 3, end: 10, lag: 7 }],
  };
  let broken = false;
  let app: HttpServer;

  beforeAll(async () => {
    app = await dashboardServer({
      listServices: async () => services,
      transport: () => ({ kind: 'kafka', label: 'Apache Kafka', endpoint: '127.0.0.1:9092' }),
      consumerLag: {
        groupPrefix: 'flotilla.',
        read: async () => {
          if (broken) throw new Error('Kafka did not answer');
          return [notifications, orders];
        },
        close: async () => {},
      },
      scrapeIntervalMs: MINUTE,
    });
  });
  afterAll(() => app.close());

  it("shows each group's lag on the transport and on its service, and says why when it cannot be read", async () => {
    const overview = (await app.inject({ method: 'GET', url: '/api/overview' })).json() as Overview;
    expect(overview.transport).toEqual({
      kind: 'kafka',
      label: 'Apache Kafka',
      endpoint: '127.0.0.1:9092',
      consumerGroups: [notifications, orders],
    });
    expect(overview.services.map((service) => [service.name, service.events])).toEqual([
      ['notifications', { consumerLag: 7 }],
      ['orders', { consumerLag: 0 }],
    ]);
    expect(overview.edges).toContainEqual({ from: 'notifications', to: 'transport', kind: 'events' });

    const fresh = await app.inject({ method: 'GET', url: '/api/transport' });
    expect(fresh.json()).toEqual({ transport: overview.transport });

    broken = true;
    expect((await app.inject({ method: 'GET', url: '/api/transport' })).json()).toEqual({
      transport: {
        kind: 'kafka',
        label: 'Apache Kafka',
        endpoint: '127.0.0.1:9092',
        consumerLagError: 'Kafka did not answer',
      },
    });
  });
});
