import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { repositoryRoot } from './spawn-service.js';

// Debian's chromium (apt-get install chromium; .ci/run installs it), driven over CDP.
const CHROMIUM = '/usr/bin/chromium';

/** Where the browser tests leave their screenshots and figures. */
export const ARTIFACTS = join(repositoryRoot, 'test-artifacts');

// Runs in the page (the tests have no DOM types; the page's policy forbids evaluating strings).
const scrollToTop = () => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0);

export interface DashboardBrowser {
  readonly page: Page;
  /** The page's uncaught exceptions and console errors since the launch, for a test's last check. */
  readonly errors: readonly string[];
  /** A full-page screenshot from the top into test-artifacts/`name`. */
  screenshot(name: string): Promise<void>;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Headless Chromium on a profile of its own, one page at the dashboards' 1440×900. */
export async function launchDashboardBrowser(): Promise<DashboardBrowser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'flotilla-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  return {
    page,
    errors,
    async screenshot(name) {
      await page.evaluate(scrollToTop);
      await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
