import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardBrowser, launchDashboardBrowser } from './support/dashboard-browser.js';
import {
  type RunningFlotilla,
  referenceSystemAddresses,
  startReferenceSystem,
  stopFlotilla,
} from './support/flotilla-cli.js';
import { untilGatewayRoutes } from './support/gateway-routes.js';
import { until } from './support/until.js';

// The reference system started by the real `flotilla start`: every process ships its log lines
// to the control plane, and one request's lines across services open from its trace.
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-logs-'));
const TRACE_ID = '5b8efff798038103d269b633813fc60c';

let controlPlane: string;
let gateway: string;
let system: RunningFlotilla | undefined;
let browser: DashboardBrowser;
let page: Page;

async function api<T>(
  path: string,
  body: unknown,
  traceparent?: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  const addresses = await referenceSystemAddresses({
    OTEL_BSP_SCHEDULE_DELAY: '200',
  });
  ({ controlPlane, gateway } = addresses);
  system = await startReferenceSystem({ cwd: scratch, env: addresses.env });
  await untilGatewayRoutes(controlPlane, '/api/users', '/api/orders');
  browser = await launchDashboardBrowser();
  page = browser.page;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stopFlotilla(system, 'SIGINT');
  rmSync(scratch, { recursive: true, force: true });
});

describe('logs of the reference system in the dashboard', () => {
  it("shows one request's lines of gateway, orders and users from its trace, live and filtered", async () => {
    const user = await api<{ id: string }>('/api/users', {
      email: `logs-${Date.now()}@example.com`,
      name: 'Logs',
    });
    expect(user.status).toBe(201);
    const order = await api<{ id: string }>(
      '/api/orders',
      { userId: user.body.id, items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 500 }] },
      `00-${TRACE_ID}-a3ce929d0e0e4736-01`,
    );
    expect(order.status).toBe(201);
    // Lines are shipped every second, spans every 200 ms here.
    await until(
      'the order trace in the store',
      async () => (await fetch(`${controlPlane}/api/traces/${TRACE_ID}`)).ok,
    );

    await page.goto(`${controlPlane}/ui#traces`);
    await page.locator('#trace-search select[name=service]').selectOption('orders');
    await page
      .locator('#trace-search')
      .evaluate((form) => (form as unknown as { requestSubmit(): void }).requestSubmit());
    await page.locator(`#trace-list [data-trace="${TRACE_ID}"]`).click({ timeout: 15_000 });
    await page.locator('#waterfall .span-row').first().click();
    await page.locator('[data-span-logs]').click();

    for (const service of ['gateway', 'orders', 'users']) {
      await page.waitForSelector(`#log-list tr[data-service="${service}"]`, { timeout: 15_000 });
    }
    expect(await page.locator('#log-search input[name=traceId]').inputValue()).toBe(TRACE_ID);
    const traces = await page.locator('#log-list tbody tr td:last-child').allTextContents();
    expect(new Set(traces)).toEqual(new Set([TRACE_ID.slice(0, 8)]));
    await browser.screenshot('system-logs-of-trace.png');

    // Live: a new request's lines appear without a reload once the trace filter is cleared.
    await page.locator('#log-search input[name=traceId]').fill('');
    await page.locator('#log-search select[name=service]').selectOption('users');
    await page.waitForSelector('#log-list tr[data-service="users"]');
    const before = await page.locator('#log-list tbody tr').count();
    expect((await api('/api/users', { email: `live-${Date.now()}@example.com`, name: 'Live' })).status).toBe(
      201,
    );
    await expect
      .poll(() => page.locator('#log-list tbody tr').count(), { timeout: 10_000 })
      .toBeGreaterThan(before);
    expect(await page.locator('#log-list tbody tr:not([data-service="users"])').count()).toBe(0);
    expect(browser.errors).toEqual([]);
  }, 120_000);
});
