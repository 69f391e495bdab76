import { fileURLToPath } from 'node:url';
import { type Database, migrate } from '../db/index.js';

/**
 * Creates the kit's `flotilla_job_runs` table. Like the event tables, under a lock and a record
 * table of its own, so the service's `flotilla_migrations` lists only the service's files.
 */
export function runJobMigrations(db: Database): Promise<{ applied: string[] }> {
  return migrate(db, {
    directory: fileURLToPath(new URL('./migrations/', import.meta.url)),
    lockKey: 'flotilla:jobs',
    table: 'flotilla_job_migrations',
  });
}
