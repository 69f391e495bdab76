import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;
const biome = join(root, 'node_modules/.bin/biome');
const sandbox = mkdtempSync(join(tmpdir(), 'flotilla-boundaries-'));

// The repository's own lint config, applied to probe files laid out like the repository.
const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
delete config.$schema;
config.vcs = { enabled: false };
writeFileSync(join(sandbox, 'biome.json'), JSON.stringify(config));

afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

async function lint(path: string, source: string): Promise<string[]> {
  const file = join(sandbox, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${source}\n`);
  try {
    await run(biome, ['lint', '--reporter=json', file], { cwd: sandbox });
    return [];
  } catch (error) {
    const report = JSON.parse((error as { stdout: string }).stdout) as {
      diagnostics: { category: string }[];
    };
    return report.diagnostics.map((diagnostic) => diagnostic.category);
  }
}

const RESTRICTED = 'lint/style/noRestrictedImports';

describe('import boundaries', () => {
  it('stops a service importing another service', async () => {
    expect(await lint('services/orders/src/a.ts', "export { x } from '@flotilla/users';")).toContain(
      RESTRICTED,
    );
    expect(
      await lint('services/orders/src/b.ts', "export { x } from '../../users/src/routes.js';"),
    ).toContain(RESTRICTED);
  });

  it("lets a service use the kit and another service's contract", async () => {
    expect(await lint('services/orders/src/c.ts', "export { x } from '@flotilla/kit/db';")).toEqual([]);
    expect(
      await lint('services/orders/src/d.ts', "export { User } from '@flotilla/users/contract';"),
    ).toEqual([]);
  });

  it('stops the kit importing the gateway or a service', async () => {
    expect(await lint('packages/kit/src/http/e.ts', "export { x } from '@flotilla/gateway';")).toContain(
      RESTRICTED,
    );
    expect(
      await lint('packages/kit/src/http/f.ts', "export { x } from '../../../gateway/src/a.js';"),
    ).toContain(RESTRICTED);
  });

  it('stops a lower kit layer importing a higher one', async () => {
    expect(await lint('packages/kit/src/errors/g.ts', "export { x } from '../http/index.js';")).toContain(
      RESTRICTED,
    );
    expect(await lint('packages/kit/src/client/h.ts', "export { x } from '../http/index.js';")).toEqual([]);
  });

  it('keeps jobs above events and below the service runtime', async () => {
    expect(await lint('packages/kit/src/jobs/i.ts', "export { x } from '../events/index.js';")).toEqual([]);
    expect(await lint('packages/kit/src/events/j.ts', "export { x } from '../jobs/index.js';")).toContain(
      RESTRICTED,
    );
    expect(await lint('packages/kit/src/jobs/k.ts', "export { x } from '../service/index.js';")).toContain(
      RESTRICTED,
    );
  });
}, 60_000);
