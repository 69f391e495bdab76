import { createHttpServer, type HttpServer } from '@flotilla/kit/http';
import { createLogger } from '@flotilla/kit/telemetry';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DashboardBrowser,
  launchDashboardBrowser,
} from '../../../../tests/support/dashboard-browser.js';
import type { ServiceView } from './dashboard-options.js';
import { registerDashboard } from './register-dashboard.js';
import { type FakeInstance, fakeInstance } from './testing/fake-instance.js';
import { fakeTrace } from './testing/fake-trace.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

// Runs in the page: hides or shows it as a switch of browser tab would (headless Chromium stays visible).
const setHidden = (hidden: boolean) => {
  const { document, Event } = globalThis as unknown as {
    document: { dispatchEvent(event: unknown): void };
    Event: new (type: string) => unknown;
  };
  if (hidden) Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
  else Reflect.deleteProperty(document, 'hidden');
  document.dispatchEvent(new Event('visibilitychange'));
};

describe('dashboard in headless Chromium', () => {
  const fakes: FakeInstance[] = [];
  const ordersBreakers = [{ target: 'users', state: 'closed' }];
  let services: ServiceView[];
  let app: HttpServer;
  let base: string;
  let browser: DashboardBrowser;
  let page: Page;

  beforeAll(async () => {
    const ok = (route: string, seconds: number) => [route, 200, seconds] as const;
    const gateway = await fakeInstance('gateway-1', {
      service: 'gateway',
      traffic: [ok('/api/*', 0.012), ok('/api/*', 0.03), ['/api/*', 503, 0.002]],
    });
    const users = await Promise.all(
      ['users-1', 'users-2'].map((id) =>
        fakeInstance(id, { service: 'users', traffic: [ok('/users/:id', 0.008)] }),
      ),
    );
    const orders = await fakeInstance('orders-1', {
      service: 'orders',
      traffic: [ok('/orders', 0.04), ok('/orders/:id', 0.01)],
      breakers: { breakers: ordersBreakers },
      extraMetrics: 'flotilla_outbox_pending 2\nflotilla_outbox_oldest_age_seconds 1.5\n',
      deadLetters: [
        { id: 'dl-7', type: 'order.placed', error: 'schema: items[0].quantity must be > 0', attempts: 5 },
      ],
    });
    const notifications = await fakeInstance('notifications-1', {
      service: 'notifications',
      extraMetrics: 'flotilla_consumer_lag{subscription="order.placed"} 3\nflotilla_dead_letters 0\n',
    });
    fakes.push(gateway, ...users, orders, notifications);
    const prefix = (fake: FakeInstance, routePrefix: string) => ({
      ...fake.view,
      meta: { ...fake.view.meta, 'route-prefix': routePrefix },
    });
    services = [
      { name: 'gateway', instances: [gateway.view] },
      { name: 'users', instances: users.map((fake) => prefix(fake, '/api/users')) },
      { name: 'orders', instances: [prefix(orders, '/api/orders')] },
      { name: 'notifications', instances: [notifications.view] },
    ];

    app = await createHttpServer({
      name: 'control-plane',
      version: '0.1.0',
      logger: createLogger({ name: 'control-plane', level: 'silent' }),
    });
    registerDashboard(app, {
      listServices: async () => services,
      transport: () => ({ kind: 'embedded', label: 'embedded', endpoint: 'outbox → HTTP' }),
      scrapeIntervalMs: 500,
    });
    // The traces module's API, as the page calls it.
    const started = Date.now() - 5000;
    app.get('/api/traces', async () => ({
      traces: [
        {
          traceId: TRACE_ID,
          rootService: 'gateway',
          rootName: 'POST /api/orders',
          startTime: new Date(started).toISOString(),
          durationMs: 48,
          spanCount: 8,
          services: ['gateway', 'orders', 'users', 'notifications'],
          status: 'error',
        },
      ],
    }));
    app.get<{ Params: { traceId: string } }>('/api/traces/:traceId', async (request) =>
      fakeTrace(request.params.traceId, started),
    );
    // The logs module's API, with no line yet.
    app.get('/api/logs', async () => ({ lastSeq: 0, services: [], logs: [] }));
    base = await app.listen({ host: '127.0.0.1', port: 0 });

    browser = await launchDashboardBrowser();
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await Promise.all(fakes.map((fake) => fake.close()));
  });

  it('shows every service healthy in the topology, with live figures', async () => {
    const failedRequests: string[] = [];
    page.on('requestfailed', (request) => failedRequests.push(request.url()));
    await page.goto(`${base}/ui`);
    for (const name of ['users', 'orders', 'notifications']) {
      await page.waitForSelector(`#topology [data-service="${name}"][data-status="healthy"]`, {
        timeout: 10_000,
      });
    }
    await page.waitForSelector('#topology [data-service="gateway"][data-status="healthy"]');
    // Rates appear once two scrapes are in.
    await expect
      .poll(() => page.locator('#card-users .figure .value').first().textContent(), { timeout: 10_000 })
      .not.toBe('–');
    expect(await page.locator('#topology [data-edge="orders->users"]').getAttribute('data-breaker')).toBe(
      'closed',
    );
    expect(await page.locator('#topology [data-transport="embedded"]').count()).toBe(1);
    expect(await page.locator('#card-orders [data-dead-letters]').textContent()).toBe('1');
    expect(await page.locator('#live').getAttribute('data-state')).toBe('live');
    expect(await page.locator('#banner').isHidden()).toBe(true);

    await page.locator('#card-orders button.link').click();
    await page.waitForSelector('#card-orders [data-dead-letter="dl-7"]');
    await browser.screenshot('dashboard-healthy.png');
    expect(browser.errors).toEqual([]);
    expect(failedRequests).toEqual([]);
  });

  it('shows a down service and an open breaker within seconds', async () => {
    services = services.map((service) =>
      service.name === 'users'
        ? {
            ...service,
            instances: service.instances.map((instance) => ({ ...instance, health: 'critical' as const })),
          }
        : service,
    );
    ordersBreakers[0]!.state = 'open';
    await page.waitForSelector('#topology [data-service="users"][data-status="down"]', { timeout: 10_000 });
    await page.waitForSelector('#topology [data-edge="orders->users"][data-breaker="open"]', {
      timeout: 10_000,
    });
    expect(await page.locator('#card-orders [data-breaker-target="users"]').getAttribute('data-state')).toBe(
      'open',
    );
    expect(await page.locator('#card-users').getAttribute('data-status')).toBe('down');
    expect(await page.locator('#banner').textContent()).toContain('users');
    // The open dead-letter list survives refreshes, and redrive empties it.
    await page.locator('#card-orders [data-dead-letter="dl-7"] button').click({ timeout: 4000 });
    await page.waitForSelector('#card-orders .dead-letters >> text=no dead letters', { timeout: 5000 });
    expect(fakes.find((fake) => fake.view.id === 'orders-1')?.redriven).toEqual(['dl-7']);
    await browser.screenshot('dashboard-users-down.png');
  });

  it('opens a trace as a waterfall with its messaging spans', async () => {
    await page.locator('[data-tab="traces"]').click();
    await page.locator(`#trace-list [data-trace="${TRACE_ID}"]`).click();
    await page.waitForSelector('#waterfall .span-row');
    const rows = page.locator('#waterfall .span-row');
    expect(await rows.count()).toBe(8);
    expect(
      await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-span'))),
    ).toEqual(['a1', 'b1', 'c1', 'd1', 'e1', 'f1', 'g1', 'h1']);
    expect(await page.locator('#waterfall [data-kind="producer"]').count()).toBe(1);
    expect(await page.locator('#waterfall [data-kind="consumer"]').count()).toBe(1);
    expect(await page.locator('#waterfall .span-row.error').count()).toBe(1);
    // Children sit to the right of and inside their parent's bar, indented deeper.
    const box = async (span: string) => page.locator(`[data-span="${span}"] .span-bar`).boundingBox();
    const [root, child] = [await box('a1'), await box('g1')];
    expect(child!.x).toBeGreaterThan(root!.x);
    expect(child!.x + child!.width).toBeLessThanOrEqual(root!.x + root!.width + 1);
    await page.locator('[data-span="c1"]').click();
    await page.waitForSelector('.span-detail >> text=retry');
    await browser.screenshot('dashboard-trace.png');
  });

  it('polls the logs tail and the jobs panel again when the page is shown after being hidden', async () => {
    const askedAt = new Map<string, number[]>();
    const record = (request: { url(): string }) => {
      const { pathname } = new URL(request.url());
      askedAt.set(pathname, [...(askedAt.get(pathname) ?? []), Date.now()]);
    };
    page.on('request', record);
    try {
      for (const tab of ['logs', 'jobs']) {
        const path = `/api/${tab}`;
        const asked = () => askedAt.get(path)?.length ?? 0;
        await page.locator(`[data-tab="${tab}"]`).click();
        const shown = asked();
        await expect.poll(asked, { timeout: 10_000 }).toBeGreaterThan(shown + 1);
        await page.evaluate(setHidden, true);
        // Stopped: nothing asked for longer than the tab's poll interval (at most 2 s).
        await expect
          .poll(() => Date.now() - (askedAt.get(path)?.at(-1) ?? 0), { timeout: 10_000 })
          .toBeGreaterThan(3000);
        const hidden = asked();
        await page.evaluate(setHidden, false);
        await expect.poll(asked, { timeout: 10_000 }).toBeGreaterThan(hidden + 1);
      }
    } finally {
      page.off('request', record);
    }
    expect(browser.errors).toEqual([]);
  }, 60_000);
});
