import pg from 'pg';
import { kill, type SpawnedService } from '../../support/spawn-service.js';
import { until } from '../../support/until.js';

export interface StoreLock {
  /** The guest's database. */
  readonly databaseUrl: string;
  /** The (schema-qualified) table its consumer stores each event in. */
  readonly table: string;
  /** The guest's `application_name` on its connections. */
  readonly application: string;
  /** A LIKE pattern for the guest's statement that stores an event. */
  readonly insert: string;
}

/**
 * Kills `service` while it holds deliveries it has read but cannot store: `table` is locked while
 * `placeMore` runs and until the service waits on the lock. An ack or commit sent before storing
 * would lose those deliveries with the kill.
 */
export async function killWhileStoreLocked(
  service: SpawnedService,
  lock: StoreLock,
  placeMore: () => Promise<void>,
): Promise<void> {
  const blocker = new pg.Client({ connectionString: lock.databaseUrl });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE ${lock.table} IN ACCESS EXCLUSIVE MODE`);
    await placeMore();
    await until(`${lock.application} waiting on the lock to store events`, async () => {
      const { rows } = await blocker.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = $1
           AND wait_event_type = 'Lock' AND query LIKE $2`,
        [lock.application, lock.insert],
      );
      return (rows[0]?.waiting ?? 0) > 0;
    });
    await kill(service);
  } finally {
    await blocker.query('ROLLBACK');
    await blocker.end();
  }
}
