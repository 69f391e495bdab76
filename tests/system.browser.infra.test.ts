import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, type DashboardBrowser, launchDashboardBrowser } from './support/dashboard-browser.js';
import {
  referenceSystemAddresses,
  runFlotilla,
  type StartedReferenceSystem,
  startReferenceSystem,
  stopFlotilla,
} from './support/flotilla-cli.js';
import { untilGatewayRoutes } from './support/gateway-routes.js';
import { alive, descendants } from './support/processes.js';
import { until } from './support/until.js';

// The whole reference system, started by the real `flotilla start` and watched through the
// dashboard in Debian's chromium (apt-get install chromium; .ci/run installs it).
// Own data directory (embedded databases, registry snapshot, supervisor file): nothing of a
// developer's own `flotilla start` in the repository is read or touched.
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-system-'));

let environment: NodeJS.ProcessEnv;
let controlPlane: string;
let gateway: string;
let system: StartedReferenceSystem | undefined;
let browser: DashboardBrowser;
let page: Page;

const start = () => startReferenceSystem({ cwd: scratch, env: environment });

const cli = (...args: string[]) => runFlotilla(args, { cwd: scratch, env: environment });

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const placeOrder = (userId: string) =>
  api<{ id: string }>('/api/orders', {
    method: 'POST',
    body: JSON.stringify({ userId, items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1250 }] }),
  });

beforeAll(async () => {
  // `flotilla load` sends more than the gateway's default 100 requests a minute per client.
  const addresses = await referenceSystemAddresses({ RATE_LIMIT: '0' });
  ({ controlPlane, gateway, env: environment } = addresses);
  system = await start();
  await untilGatewayRoutes(controlPlane, '/api/users', '/api/orders');
  browser = await launchDashboardBrowser();
  page = browser.page;
  writeFileSync(join(ARTIFACTS, 'system-figures.txt'), '');
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stopFlotilla(system, 'SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

describe('flotilla start, the reference system and its dashboard', () => {
  it('serves traffic through the gateway and shows every service healthy', async () => {
    const load = await cli('load', '--rate', '20', '--duration', '5', '--gateway', gateway);
    expect(load.stdout).toMatch(/errors\s+none/);

    await page.goto(`${controlPlane}/ui`);
    for (const name of ['gateway', 'users', 'orders']) {
      await page.waitForSelector(`#topology [data-service="${name}"][data-status="healthy"]`, {
        timeout: 15_000,
      });
    }
    await page.waitForSelector('#topology [data-edge="orders->users"][data-breaker="closed"]', {
      timeout: 10_000,
    });
    // Request rates need two scrapes of the traffic above.
    await expect
      .poll(() => page.locator('#card-orders .figure .value').first().textContent(), { timeout: 15_000 })
      .not.toBe('–');
    await browser.screenshot('system-healthy.png');
    expect(browser.errors).toEqual([]);

    const status = JSON.parse((await cli('status', '--json')).stdout) as {
      instances: { service: string; health: string }[];
    };
    expect(status.instances.map((instance) => [instance.service, instance.health]).sort()).toEqual([
      ['gateway', 'passing'],
      ['notifications', 'passing'],
      ['orders', 'passing'],
      ['users', 'passing'],
    ]);
  });

  it('shows users down and the orders → users breaker open while users is unreachable', async () => {
    const user = await api<{ id: string }>('/api/users', {
      method: 'POST',
      body: JSON.stringify({ email: `e2e-${Date.now()}@example.com`, name: 'E2E' }),
    });
    expect(user.status).toBe(201);
    expect((await placeOrder(user.body.id)).status).toBe(201);

    // Killed, users would be restarted by the supervisor within a second; paused (SIGSTOP), it
    // stays registered but unreachable: health checks time out and calls to it fail.
    const paused = Date.now();
    expect((await cli('chaos', 'pause', 'users', '--seconds', '12')).stdout).toMatch(/^pause users\/1/);
    const statuses: number[] = [];
    let orders = true;
    const traffic = (async () => {
      while (orders) {
        statuses.push((await placeOrder(user.body.id).catch(() => ({ status: 0 }))).status);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      await page.waitForSelector('#topology [data-service="users"][data-status="down"]', { timeout: 15_000 });
      await page.waitForSelector('#topology [data-edge="orders->users"][data-breaker="open"]', {
        timeout: 15_000,
      });
    } finally {
      orders = false;
      await traffic;
    }
    const seen = (Date.now() - paused) / 1000;
    appendFileSync(join(ARTIFACTS, 'system-figures.txt'), `users down and breaker open after ${seen} s\n`);
    expect(await page.locator('#card-orders [data-breaker-target="users"]').getAttribute('data-state')).toBe(
      'open',
    );
    // None hung: each order was either answered from orders' users replica (201) or refused fast
    // with a retryable problem.
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => ![201, 503, 504].includes(status))).toEqual([]);
    await browser.screenshot('system-users-down.png');
  }, 60_000);

  it('recovers once users is back, and opens the whole trace of an order as a waterfall', async () => {
    // Users resumes when the pause ends; the breaker lets a trial call through once half-open.
    const placed = await until('an order placed again', async () => {
      const user = await api<{ id: string }>('/api/users', {
        method: 'POST',
        body: JSON.stringify({ email: `e2e-${Date.now()}@example.com`, name: 'E2E' }),
      }).catch(() => undefined);
      if (user?.status !== 201) return undefined;
      const answer = await placeOrder(user.body.id).catch(() => undefined);
      return answer?.status === 201 ? answer.body : undefined;
    });
    await page.locator('[data-tab="overview"]').click();
    await page.waitForSelector('#topology [data-service="users"][data-status="healthy"]', {
      timeout: 15_000,
    });

    type TraceSummary = { traceId: string; services: string[]; spanCount: number };
    const summaries = async () =>
      (
        (await (await fetch(`${controlPlane}/api/traces?service=orders&limit=50`)).json()) as {
          traces: TraceSummary[];
        }
      ).traces;
    // Spans reach the control plane in export batches (every 5 s by default): wait for one whole
    // order — gateway, orders, users and the notification its event caused — and for its span
    // count to stop growing.
    const complete = await until("the order's trace in the store", async () =>
      (await summaries()).find((candidate) =>
        ['gateway', 'users', 'notifications'].every((service) => candidate.services.includes(service)),
      ),
    );
    let trace = complete;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const again = (await summaries()).find((candidate) => candidate.traceId === complete.traceId);
      if (!again || again.spanCount === trace.spanCount) break;
      trace = again;
    }
    expect(placed.id).toBeDefined();
    await page.locator('[data-tab="traces"]').click();
    await page.locator('#trace-search select[name=service]').selectOption('orders');
    await page
      .locator('#trace-search')
      .evaluate((form) => (form as unknown as { requestSubmit(): void }).requestSubmit());
    await page.locator(`#trace-list [data-trace="${trace.traceId}"]`).click({ timeout: 10_000 });
    // The list names each trace by its root span: the gateway's.
    expect(await page.locator(`#trace-list [data-trace="${trace.traceId}"]`).textContent()).toContain(
      'POST /api/orders',
    );
    await page.waitForSelector('#waterfall .span-row');
    expect(await page.locator('#waterfall .span-row').count()).toBe(trace.spanCount);
    await browser.screenshot('system-trace.png');
  }, 120_000);

  it('stops on Ctrl-C leaving no process behind, and starts again warm', async () => {
    const first = system!;
    const pids = descendants(first.child.pid!);
    expect(pids.length).toBeGreaterThanOrEqual(4);
    expect(await stopFlotilla(first, 'SIGINT')).toBe(0);
    expect(first.output()).toContain('[flotilla] stopped');
    await until('every child and grandchild gone', () => pids.every((pid) => !alive(pid)), 5_000);

    const second = await start();
    system = second;
    const secondPids = descendants(second.child.pid!);
    expect(await stopFlotilla(second, 'SIGINT')).toBe(0);
    await until(
      'every process of the second start gone',
      () => secondPids.every((pid) => !alive(pid)),
      5_000,
    );
    const figures = `first start: all ready in ${first.readySeconds} s\nsecond (warm) start: all ready in ${second.readySeconds} s\n`;
    appendFileSync(join(ARTIFACTS, 'system-figures.txt'), figures);
    process.stdout.write(figures);
  }, 90_000);
});
