import { openScratchDatabase, type ScratchDatabase } from '../db/scratch-database.js';

/** A test's own database: give it to `startService` as `database`, and `dispose()` it after. */
export type TestDatabase = ScratchDatabase;

/**
 * A database of its own for one test: a fresh schema on the PostgreSQL at `DATABASE_URL` when that
 * is set (the infra project), else an in-memory PGlite. `dispose()` drops it and closes.
 *
 * @example
 * ```ts
 * let database: TestDatabase;
 * beforeAll(async () => {
 *   database = await testDatabase();
 * });
 * afterAll(() => database.dispose());
 * ```
 */
export function testDatabase(): Promise<TestDatabase> {
  return openScratchDatabase(process.env.DATABASE_URL);
}
