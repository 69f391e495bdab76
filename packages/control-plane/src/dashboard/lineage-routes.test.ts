import { createServer } from 'node:net';
import type { EventLineage } from '@flotilla/kit/events';
import { createHttpServer, type HttpServer } from '@flotilla/kit/http';
import { createLogger } from '@flotilla/kit/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceView } from './dashboard-options.js';
import type { EventLineageView } from './merge-lineage.js';
import { registerDashboard } from './register-dashboard.js';
import { type FakeInstance, fakeInstance } from './testing/fake-instance.js';

const EVENT_ID = '0b5a4f8e-4f1c-4d7e-9a57-2f0c1d9e8a11';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const AT = '2026-01-01T00:00:00.000Z';

const shopLineage: EventLineage = {
  service: 'shop',
  transport: 'embedded',
  subscriptions: [],
  outbox: [
    {
      id: EVENT_ID,
      type: 'item.added',
      source: '/shop',
      status: 'sent',
      attempts: 0,
      error: null,
      createdAt: AT,
      traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
    },
  ],
  deliveries: [],
  inbox: [],
  deadLetters: [],
};
const ledgerLineage: EventLineage = {
  service: 'ledger',
  transport: 'embedded',
  subscriptions: [{ name: 'ledger-items', from: 'shop', patterns: ['item.*'] }],
  outbox: [],
  deliveries: [],
  inbox: [],
  deadLetters: [],
};

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('event lineage route', () => {
  const fakes: FakeInstance[] = [];
  let services: ServiceView[];
  let registryDown = false;
  let app: HttpServer;

  beforeAll(async () => {
    const shop = await fakeInstance('shop-1', { service: 'shop', lineage: shopLineage });
    const ledger = await fakeInstance('ledger-1', { service: 'ledger', lineage: ledgerLineage });
    // A real kit server without the route: it answers as the gateway and every other process does.
    const gateway = await fakeInstance('gateway-1', { service: 'gateway' });
    fakes.push(shop, ledger, gateway);
    const deadPort = await closedPort();
    services = [
      { name: 'gateway', instances: [gateway.view] },
      { name: 'shop', instances: [shop.view] },
      { name: 'ledger', instances: [ledger.view] },
      { name: 'orders', instances: [{ ...shop.view, id: 'orders-1', health: 'critical' }] },
      {
        name: 'ghost',
        instances: [{ id: 'ghost-1', address: '127.0.0.1', port: deadPort, health: 'passing' }],
      },
    ];
    app = await createHttpServer({
      name: 'control-plane',
      version: '0.1.0',
      logger: createLogger({ name: 'control-plane', level: 'silent' }),
    });
    registerDashboard(app, {
      listServices: async () => {
        if (registryDown) throw new Error('registry unreachable');
        return services;
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await Promise.all(fakes.map((fake) => fake.close()));
  });

  it("merges every service's part; a service without the route is not listed as not answering", async () => {
    const response = await app.inject({ method: 'GET', url: `/api/events/lineage?id=${EVENT_ID}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const view = response.json<EventLineageView>();
    expect(view).toMatchObject({
      query: { id: EVENT_ID },
      type: 'item.added',
      source: '/shop',
      traceId: TRACE_ID,
      publishers: ['shop'],
      consumers: [{ service: 'ledger', subscription: 'ledger-items' }],
    });
    expect(
      view.services.map((entry) => ('error' in entry ? [entry.service, entry.error] : [entry.service])),
    ).toEqual([
      ['shop'],
      ['ledger'],
      ['orders', "'orders' has no passing instance"],
      ['ghost', expect.any(String)],
    ]);
  });

  it('answers 400 without exactly one of id and type, and 503 naming the registry when it fails', async () => {
    const neither = await app.inject({ method: 'GET', url: '/api/events/lineage' });
    expect([neither.statusCode, neither.json().code]).toEqual([400, 'BAD_REQUEST']);
    registryDown = true;
    try {
      const down = await app.inject({ method: 'GET', url: '/api/events/lineage?type=item.added' });
      expect([down.statusCode, down.json().upstream]).toEqual([503, 'registry']);
    } finally {
      registryDown = false;
    }
  });
});
