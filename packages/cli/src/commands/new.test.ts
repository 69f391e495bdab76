import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SOURCE_CONDITION } from '../../../../tests/support/source-condition.js';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';

const run = promisify(execFile);
const root = new URL('../../../../', import.meta.url).pathname;

// A scratch repository: the real node_modules (so @flotilla/kit and vitest resolve) and the real
// Biome settings, with a services/ directory of its own.
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-new-'));
symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'));
const biome = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
writeFileSync(
  join(scratch, 'biome.json'),
  JSON.stringify({ ...biome, $schema: undefined, vcs: { enabled: false } }),
);
mkdirSync(join(scratch, 'services'));
writeFileSync(
  join(scratch, 'flotilla.config'),
  JSON.stringify({ processes: [{ name: 'gateway', role: 'gateway', entry: 'gateway.js' }] }),
);
writeFileSync(join(scratch, 'gateway.js'), '');
// The kit from its sources, as in the repository's own tests (a project of its own uses the build).
writeFileSync(
  join(scratch, 'vitest.config.mjs'),
  `export default { ssr: { resolve: { conditions: ['${SOURCE_CONDITION}', 'import', 'node', 'default'] } } };\n`,
);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function scaffold(...argv: string[]) {
  const captured = captureIo(scratch);
  const code = await runCli(['new', 'service', ...argv], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('flotilla new service', () => {
  it('scaffolds a service whose own test passes and which lints clean', async () => {
    const { code, stdout } = await scaffold('order-history');
    expect(code).toBe(0);
    expect(stdout).toContain('created services/order-history:');
    const dir = join(scratch, 'services/order-history');
    // A one-package project: the service is a folder, and the system file now runs it.
    expect(existsSync(join(dir, 'package.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(scratch, 'flotilla.config'), 'utf8')).processes).toEqual([
      { name: 'gateway', role: 'gateway', entry: 'gateway.js' },
      { name: 'order-history', entry: 'services/order-history/src/main.ts' },
    ]);
    expect(readFileSync(join(dir, 'src/order-history-service.ts'), 'utf8')).toContain(
      "publicPrefix: '/api/order-history'",
    );
    readFileSync(join(dir, 'migrations/0001_create_order_history_items.sql'));

    const env = { ...process.env, DATABASE_URL: '', NO_COLOR: '1', FORCE_COLOR: '0' };
    // The repository's vitest.config gives hooks 30 s; the scratch run has no config, so say so.
    const vitest = await run(
      process.execPath,
      [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', scratch, '--hookTimeout=60000'],
      {
        cwd: scratch,
        env,
      },
    );
    expect(vitest.stdout).toMatch(/Tests\s+6 passed \(6\)/);
    const lint = await run(join(root, 'node_modules/.bin/biome'), ['check', 'services'], { cwd: scratch });
    expect(lint.stdout + lint.stderr).toMatch(/Checked \d+ files/);
  }, 90_000);

  it('refuses an existing service, and bad names, in one line', async () => {
    mkdirSync(join(scratch, 'services/billing'));
    expect(await scaffold('billing')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/billing already exists\n$/),
    });
    for (const name of ['Billing', 'billing_v2', 'billing-', '9lives', 'a--b']) {
      const { code, stderr } = await scaffold(name);
      expect(code).toBe(2);
      expect(stderr).toContain('must be lowercase kebab-case');
    }
    expect((await scaffold('gateway')).stderr).toContain('"gateway" is reserved');
  });
});
