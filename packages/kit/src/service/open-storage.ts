import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Database, migrate, openDatabase, registerPoolGauges, traceDatabase } from '../db/index.js';
import { runEventMigrations } from '../events/index.js';
import type { HealthMonitor } from '../health/index.js';
import { runJobMigrations } from '../jobs/index.js';
import type { Logger, ServiceMetrics, Telemetry } from '../telemetry/index.js';
import type { Assembly, BaseConfig } from './assembly.js';

/**
 * The service's database (its own unless the caller brought one), checked, traced and migrated;
 * `untraced` for the gauges a scrape reads, which are no traffic worth a span.
 */
export async function openStorage(
  { definition, options, base, logger, lifecycle }: Assembly,
  telemetry: Telemetry,
  metrics: ServiceMetrics,
  health: HealthMonitor,
): Promise<{ db: Database; untraced: Database }> {
  const ownDb = options.database ?? (await openOwnDatabase(definition.name, base, logger));
  if (!options.database) lifecycle.onShutdown('pools', () => ownDb.close());
  const db = traceDatabase(ownDb, telemetry);
  health.addCheck('database', () => db.ping());
  registerPoolGauges(metrics.registry, ownDb);
  const eventMigrations = await runEventMigrations(db);
  if (eventMigrations.applied.length > 0) logger.info(eventMigrations, 'event migrations applied');
  const jobMigrations = await runJobMigrations(db);
  if (jobMigrations.applied.length > 0) logger.info(jobMigrations, 'job migrations applied');
  if (definition.migrations) {
    const { applied } = await migrate(db, {
      directory: fileURLToPath(definition.migrations),
      lockKey: `flotilla:${definition.name}`,
    });
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  }
  return { db, untraced: ownDb };
}

async function openOwnDatabase(name: string, config: BaseConfig, logger: Logger) {
  return openDatabase({
    ...(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: join(config.DATA_DIR, name) }),
    pool: {
      max: config.DB_POOL_MAX,
      idleTimeoutMs: config.DB_IDLE_TIMEOUT,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT,
      connectionTimeoutMs: config.DB_CONNECT_TIMEOUT,
    },
    onError: (error: unknown) => logger.error({ err: error }, 'database pool error'),
  });
}
