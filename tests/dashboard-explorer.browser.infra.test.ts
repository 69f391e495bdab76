import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, type DashboardBrowser, launchDashboardBrowser } from './support/dashboard-browser.js';
import {
  type RunningFlotilla,
  referenceSystemAddresses,
  startReferenceSystem,
  stopFlotilla,
} from './support/flotilla-cli.js';
import { untilGatewayRoutes } from './support/gateway-routes.js';

// The reference system started by the real `flotilla start`, used from the dashboard's API
// explorer and jobs tab in Chromium.
const FIGURES = join(ARTIFACTS, 'dashboard-explorer-figures.txt');
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-explorer-'));

let system: RunningFlotilla | undefined;
let controlPlane: string;
let browser: DashboardBrowser;
let page: Page;

beforeAll(async () => {
  const addresses = await referenceSystemAddresses();
  controlPlane = addresses.controlPlane;
  system = await startReferenceSystem({ cwd: scratch, env: addresses.env });
  browser = await launchDashboardBrowser();
  page = browser.page;
  writeFileSync(FIGURES, '');
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stopFlotilla(system, 'SIGINT');
  rmSync(scratch, { recursive: true, force: true });
});

describe('the dashboard as a workbench', () => {
  it('sends POST /api/users from the explorer and lands on its trace through gateway and users', async () => {
    await untilGatewayRoutes(controlPlane, '/api/users');
    await page.goto(`${controlPlane}/ui/#explorer`);
    await page.locator('button.operation[data-operation="POST /api/users"]').click();
    // Prefilled from the schema with values it accepts, sent as they are.
    const example = JSON.parse(await page.locator('#explorer-form textarea[name=body]').inputValue()) as {
      name: string;
      email: string;
    };
    expect(Object.keys(example).sort()).toEqual(['email', 'name']);
    await page.locator('#explorer-form button[type=submit]').click();
    await page.waitForSelector('#explorer-form .answer-head .pill[data-status="201"]', { timeout: 15_000 });
    const answer = JSON.parse((await page.locator('#explorer-form pre.answer-body').textContent()) ?? '') as {
      id: string;
      email: string;
    };
    expect(answer.email).toBe(example.email);
    expect(answer.id).toBeTruthy();
    const timing = await page.locator('#explorer-form .answer-head .timing').textContent();
    appendFileSync(FIGURES, `POST /api/users from the explorer: ${timing}\n`);
    await browser.screenshot('dashboard-explorer-answer.png');

    const traceId = await page.locator('#explorer-form .trace-link').getAttribute('data-trace');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const clicked = Date.now();
    await page.locator('#explorer-form .trace-link').click();
    expect(await page.locator('[data-tab="traces"]').getAttribute('aria-selected')).toBe('true');
    // Spans arrive in the exporters' batches: the waterfall fills as they come.
    for (const service of ['gateway', 'users']) {
      await page.waitForSelector(`#waterfall .span-row[data-service="${service}"]`, { timeout: 30_000 });
    }
    appendFileSync(
      FIGURES,
      `trace shown with gateway and users spans ${(Date.now() - clicked) / 1000} s after the click\n`,
    );
    expect(await page.locator('#trace-view').textContent()).toContain(traceId!);
    await browser.screenshot('dashboard-explorer-trace.png');
  }, 90_000);

  it('runs notifications’ job from the jobs tab and shows the run in its history', async () => {
    await page.locator('[data-tab="jobs"]').click();
    const job = page.locator('#jobs [data-service="notifications"] [data-job="prune-notifications"]');
    await job.waitFor({ timeout: 15_000 });
    expect(await job.locator('code').textContent()).toBe('0 * * * *');
    await job.locator('button[data-run="prune-notifications"]').click();
    await job.locator('tr[data-trigger="manual"][data-status="done"]').waitFor({ timeout: 15_000 });
    expect(await job.locator('.run-result').textContent()).toMatch(
      /^run [0-9a-f-]{36} started on notifications/,
    );
    await browser.screenshot('dashboard-jobs.png');
  }, 60_000);

  it('had no console error on the way', () => {
    expect(browser.errors).toEqual([]);
  });
});
