import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { watchSources } from './source-watcher.js';
import type { ProcessSpec } from './system.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-watcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('watchSources', () => {
  it("reports one change per burst, for the process owning the file, ignoring tools' directories", async () => {
    for (const sub of ['users/src', 'users/node_modules/x', 'users/dist', 'orders/src']) {
      mkdirSync(join(dir, sub), { recursive: true });
    }
    const spec = (name: string, watch: string[]): ProcessSpec => ({
      name,
      role: 'service',
      instances: 1,
      watch,
    });
    const changes: string[] = [];
    const watcher = watchSources(
      [spec('users', [join(dir, 'users')]), spec('orders', [join(dir, 'orders')]), spec('gateway', [])],
      (name) => changes.push(name),
      100,
    );
    try {
      await watcher.ready;
      writeFileSync(join(dir, 'users/node_modules/x/index.js'), '1');
      writeFileSync(join(dir, 'users/dist/main.js'), '1');
      writeFileSync(join(dir, 'users/src/.routes.ts.swp'), '1');
      writeFileSync(join(dir, 'users/src/routes.ts'), '1');
      writeFileSync(join(dir, 'users/src/main.ts'), '1');
      await expect.poll(() => changes).toEqual(['users']);
      writeFileSync(join(dir, 'orders/src/main.ts'), '1');
      await expect.poll(() => changes).toEqual(['users', 'orders']);
    } finally {
      await watcher.close();
    }
  });
});
