import { randomBytes } from 'node:crypto';
import type { Database } from './database.js';
import { type OpenDatabaseOptions, openDatabase } from './open-database.js';
import { quoteIdentifier } from './quote-identifier.js';

export type ScratchDatabase = Database & { dispose(): Promise<void> };

/**
 * A throwaway database: a fresh `t_<random>` schema on the PostgreSQL at `url`, or an in-memory
 * PGlite when `url` is empty. `dispose()` drops it. Tests reach it through `testing/testDatabase`;
 * db's own tests use it directly because the layering forbids db importing testing.
 */
export async function openScratchDatabase(
  url: string | undefined,
  options: Pick<OpenDatabaseOptions, 'onError'> = {},
): Promise<ScratchDatabase> {
  if (!url) {
    const db = await openDatabase(options);
    return Object.assign(db, { dispose: () => db.close() });
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ ...options, url, schema });
  return Object.assign(db, {
    async dispose() {
      try {
        await db.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      } finally {
        await db.close();
      }
    },
  });
}
