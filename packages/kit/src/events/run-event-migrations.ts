import { fileURLToPath } from 'node:url';
import { type Database, migrate } from '../db/index.js';

/**
 * Creates the kit's outbox, inbox, dead-letter and delivery tables. Runs before a service's own
 * migrations, under a lock and a record table of its own, so the service's `flotilla_migrations`
 * lists only the service's files.
 */
export function runEventMigrations(db: Database): Promise<{ applied: string[] }> {
  return migrate(db, {
    directory: fileURLToPath(new URL('./migrations/', import.meta.url)),
    lockKey: 'flotilla:events',
    table: 'flotilla_event_migrations',
  });
}
