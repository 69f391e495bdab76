import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './index.js';

describe('openDatabase', () => {
  it('rejects an unsupported URL scheme, naming it', async () => {
    await expect(openDatabase({ url: 'mysql://root:secret@db/app' })).rejects.toThrow(/"mysql:"/);
  });

  // initdb on disk takes seconds.
  it('keeps PGlite data on disk across close and reopen', { timeout: 30_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'flotilla-pglite-'));
    const dataDir = join(root, 'nested', 'users');
    try {
      const first = await openDatabase({ dataDir });
      expect(first.engine).toBe('pglite');
      await first.query('CREATE TABLE kept (value text)');
      await first.query('INSERT INTO kept VALUES ($1)', ['survives']);
      await first.close();

      const second = await openDatabase({ dataDir });
      const { rows } = await second.query('SELECT value FROM kept');
      await second.close();
      expect(rows).toEqual([{ value: 'survives' }]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('works inside the given schema on PGlite', async () => {
    const db = await openDatabase({ schema: 'users_svc' });
    try {
      const { rows } = await db.query('SELECT current_schema() AS schema');
      expect(rows).toEqual([{ schema: 'users_svc' }]);
    } finally {
      await db.close();
    }
  });
});
