import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { defineService, type RunningService, startService } from '@flotilla/kit';
import { defineEvent, subscription } from '@flotilla/kit/events';
import { createLogger } from '@flotilla/kit/telemetry';
import { type TestDatabase, testDatabase } from '@flotilla/kit/testing';
import { Type } from '@sinclair/typebox';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DashboardBrowser,
  launchDashboardBrowser,
} from '../../../../tests/support/dashboard-browser.js';
import { type RunningControlPlane, startControlPlane } from '../start-control-plane.js';

// A real control plane with two kit services registered in it: `shop` publishes `item.added`
// through its outbox, `ledger` consumes it and dead-letters item 2 while it is poisoned. Watched
// in Chromium.
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

const ItemAdded = defineEvent({
  source: 'shop',
  type: 'item.added',
  schema: Type.Object({ n: Type.Integer({ minimum: 0 }) }),
});

const shop = defineService({
  name: 'shop',
  version: '1.0.0',
  routes(app, { db, events }) {
    app.post<{ Params: { n: string } }>('/items/:n', async (request, reply) => {
      const n = Number(request.params.n);
      await db.transaction((tx) => events.publish(tx, ItemAdded, { n }));
      request.log.info({ n }, 'item added');
      return reply.code(201).send({ n });
    });
  },
});

let poisoned = true;
const ledger = defineService({
  name: 'ledger',
  version: '1.0.0',
  subscriptions: [
    subscription(
      ItemAdded,
      async (event) => {
        if (poisoned && (event.data as { n: number }).n === 2) throw new Error('poison 2');
      },
      { name: 'ledger-items' },
    ),
  ],
  routes: () => {},
});

describe('event lineage in headless Chromium', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-lineage-'));
  const databases: TestDatabase[] = [];
  const services: RunningService[] = [];
  let controlPlane: RunningControlPlane;
  let browser: DashboardBrowser;
  let page: Page;

  beforeAll(async () => {
    controlPlane = await startControlPlane({
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ name: 'control-plane', level: 'silent' }),
      checkTickMs: 50,
      telemetrySnapshotPath: join(scratch, 'telemetry.json'),
    });
    const environment = {
      REGISTRY_URL: controlPlane.url,
      REGISTRY_CHECK_INTERVAL: '200ms',
      OTEL_EXPORTER_OTLP_ENDPOINT: controlPlane.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    for (const definition of [ledger, shop]) {
      const database = await testDatabase();
      databases.push(database);
      services.push(
        await startService(definition, {
          environment,
          database,
          // Lines still reach the control plane; the test's output stays quiet.
          logDestination: new PassThrough().resume(),
          events: { consumer: { maxAttempts: 2, backoff: { initialDelayMs: 5, maxDelayMs: 10 } } },
        }),
      );
    }
    browser = await launchDashboardBrowser();
    page = browser.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const service of services.reverse()) await service.stop();
    await Promise.all(databases.map((database) => database.dispose()));
    await controlPlane?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('opens an event from its dead letter: outbox, delivery, consumers, trace; redrives it', async () => {
    const shopUrl = services[1]?.url;
    const ledgerUrl = services[0]?.url;
    const placed = await fetch(`${shopUrl}/items/2`, {
      method: 'POST',
      headers: { traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` },
    });
    expect(placed.status).toBe(201);
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${ledgerUrl}/events/dead-letters`)).json()) as { deadLetters: unknown[] })
            .deadLetters.length,
        { timeout: 30_000 },
      )
      .toBe(1);

    await page.goto(`${controlPlane.url}/ui`);
    await page.waitForSelector('#card-ledger [data-dead-letters="1"]', { timeout: 20_000 });
    await page.locator('#card-ledger button.link', { hasText: 'show dead letters' }).click();
    await page.locator('#card-ledger [data-lineage]').click({ timeout: 10_000 });

    await page.waitForSelector('#lineage [data-part="Dead letters"] [data-redriven="false"]', {
      timeout: 10_000,
    });
    expect(await page.locator('#lineage [data-publishers]').textContent()).toBe('shop');
    expect(await page.locator('#lineage [data-consumers]').textContent()).toContain('ledger-items');
    expect(await page.locator('#lineage [data-part="Outbox"] tbody').textContent()).toContain('sent');
    expect(await page.locator('#lineage [data-part="Deliveries"] tbody').textContent()).toContain('ledger');
    expect(await page.locator('#lineage [data-part="Dead letters"] tbody').textContent()).toContain(
      'poison 2',
    );
    expect(await page.locator('#lineage [data-lineage-trace]').getAttribute('data-lineage-trace')).toBe(
      TRACE_ID,
    );
    await browser.screenshot('lineage-dead-letter.png');

    poisoned = false;
    await page.locator('#lineage [data-lineage-redrive]').click();
    await page.waitForSelector('#lineage [data-part="Dead letters"] [data-redriven="true"]', {
      timeout: 10_000,
    });
    expect(await page.locator('#lineage [data-part="Processed (inbox)"] tbody').textContent()).toContain(
      'ledger-items',
    );
    await browser.screenshot('lineage-redriven.png');

    // The trace link opens the request's waterfall, whose logs link shows the shop's lines of it.
    await page.locator('#lineage [data-lineage-trace]').click();
    await page.locator('[data-trace-logs]').click({ timeout: 15_000 });
    await page.waitForSelector('#log-list tr[data-service="shop"]', { timeout: 10_000 });
    expect(await page.locator('#log-search input[name=traceId]').inputValue()).toBe(TRACE_ID);
    expect(browser.errors).toEqual([]);
  }, 120_000);

  it('keeps traces and log lines across a control-plane restart', async () => {
    const { port } = controlPlane;
    await controlPlane.stop();
    controlPlane = await startControlPlane({
      host: '127.0.0.1',
      port,
      logger: createLogger({ name: 'control-plane', level: 'silent' }),
      telemetrySnapshotPath: join(scratch, 'telemetry.json'),
    });
    const logs = (await (await fetch(`${controlPlane.url}/api/logs?traceId=${TRACE_ID}`)).json()) as {
      logs: { service: string; message: string }[];
    };
    expect(logs.logs.some((line) => line.service === 'shop' && line.message === 'item added')).toBe(true);
    expect((await fetch(`${controlPlane.url}/api/traces/${TRACE_ID}`)).status).toBe(200);
    await page.reload();
    await page.locator('[data-tab="logs"]').click();
    await page.waitForSelector('#log-list tr[data-service="shop"]', { timeout: 10_000 });
  }, 60_000);
});
