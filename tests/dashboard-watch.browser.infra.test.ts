import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, type DashboardBrowser, launchDashboardBrowser } from './support/dashboard-browser.js';
import { editableServiceCopy } from './support/editable-service-copy.js';
import {
  type RunningFlotilla,
  referenceSystemAddresses,
  spawnFlotilla,
  stopFlotilla,
} from './support/flotilla-cli.js';
import { repositoryRoot } from './support/spawn-service.js';
import { until } from './support/until.js';

// users runs from a copy, so the test edits the copy and never the repository; node_modules is the
// repository's, so the copy finds the kit as the original does. Embedded databases, in the copy.
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-dashboard-watch-'));
const routes = join(scratch, 'services/users/src/routes.ts');
const FIGURES = join(ARTIFACTS, 'dashboard-watch-figures.txt');
let supervisor: RunningFlotilla | undefined;
let browser: DashboardBrowser | undefined;

afterAll(async () => {
  await browser?.close();
  await stopFlotilla(supervisor, 'SIGKILL');
  // Children left by a SIGKILLed supervisor may still be writing their data as they exit.
  rmSync(scratch, { recursive: true, force: true, maxRetries: 20 });
});

const problemBanner = '#problems [data-process="users"]';

describe('the dashboard under flotilla start --watch', () => {
  it("shows a changed service's syntax error, escaped, while the old version serves, and drops it once a good version starts", async () => {
    editableServiceCopy(scratch, 'users');
    writeFileSync(
      join(scratch, 'flotilla.config'),
      JSON.stringify({
        processes: [
          // Others' edits to the repository's own sources must not restart it during the test.
          {
            name: 'control-plane',
            role: 'control-plane',
            entry: join(repositoryRoot, 'packages/control-plane/src/main.ts'),
            watch: [],
          },
          {
            name: 'users',
            entry: 'services/users/src/main.ts',
            env: { REGISTRY_CHECK_INTERVAL: '300ms', REGISTRY_CHECK_TIMEOUT: '200ms' },
          },
        ],
      }),
    );
    const { controlPlane, env } = await referenceSystemAddresses();
    supervisor = spawnFlotilla(['start', '--watch'], { cwd: scratch, env });
    const { output } = supervisor;
    await until(
      'the system ready and watched',
      () =>
        output().includes('all 2 process(es) ready') && output().includes('watching the sources of users'),
      120_000,
    );
    browser = await launchDashboardBrowser();
    const { page } = browser;
    await page.goto(`${controlPlane}/ui`);
    await page.waitForSelector('#card-users[data-status="healthy"]', { timeout: 15_000 });
    expect(await page.isHidden('#problems')).toBe(true);
    expect(await page.locator('#card-users [data-problem]').count()).toBe(0);

    const original = readFileSync(routes, 'utf8');
    let saved = Date.now();
    writeFileSync(routes, original.replace('function notFound(id: string)', 'function notFound(id: string'));
    await page.waitForSelector(problemBanner, { timeout: 15_000 });
    const shownAfterMs = Date.now() - saved;
    const banner = page.locator(problemBanner);
    expect(await banner.textContent()).toMatch(
      /^users not rebuilt: still running the previous version \(1\)/,
    );
    expect(await banner.locator('pre').textContent()).toMatch(
      /^services\/users\/src\/routes\.ts:7:\d+: Expected "\)" but found ":"$/,
    );
    expect(await page.getAttribute('#card-users [data-problem]', 'title')).toMatch(/routes\.ts:7:/);
    // The old version still serves: the card stays healthy.
    expect(await page.getAttribute('#card-users', 'data-status')).toBe('healthy');
    await browser.screenshot('dashboard-watch-problem.png');

    // Another broken edit replaces the problem; markup in it is shown as text, never rendered.
    writeFileSync(routes, `import './<img src=x onerror=alert(1)>.js';\n${original}`);
    await page.waitForSelector(`${problemBanner} pre:has-text("Could not resolve")`, { timeout: 15_000 });
    expect(await banner.locator('pre').textContent()).toMatch(
      /^services\/users\/src\/routes\.ts:1:\d+: Could not resolve "\.\/<img src=x onerror=alert\(1\)>\.js"/,
    );
    expect(await page.locator('#problems img').count()).toBe(0);

    saved = Date.now();
    writeFileSync(routes, original);
    await page.waitForSelector(problemBanner, { state: 'detached', timeout: 60_000 });
    const goneAfterMs = Date.now() - saved;
    expect(await page.isHidden('#problems')).toBe(true);
    expect(await page.locator('#card-users [data-problem]').count()).toBe(0);
    await until('users restarted', () => output().includes('users: restarted in'), 60_000);
    await page.waitForSelector('#card-users[data-status="healthy"]', { timeout: 30_000 });
    expect(browser.errors).toEqual([]);
    appendFileSync(
      FIGURES,
      `syntax error saved → dashboard banner: ${shownAfterMs} ms; fix saved → banner gone: ${goneAfterMs} ms\n`,
    );

    expect(await stopFlotilla(supervisor, 'SIGTERM')).toBe(0);
  }, 240_000);
});
