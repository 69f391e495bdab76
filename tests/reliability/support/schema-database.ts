import type { Database } from '@flotilla/kit/db';
import { testDatabase } from '@flotilla/kit/testing';

/**
 * A test database of its own (a fresh schema on the PostgreSQL at `DATABASE_URL`), dropped by the
 * scenario's `cleanups`, with its schema's name for the processes a scenario starts on it.
 */
export async function schemaDatabase(
  cleanups: (() => Promise<unknown>)[],
): Promise<Database & { schema: string }> {
  const db = await testDatabase();
  cleanups.push(() => db.dispose());
  const { rows } = await db.query<{ schema: string }>('SELECT current_schema() AS schema');
  return Object.assign(db, { schema: rows[0]!.schema });
}
