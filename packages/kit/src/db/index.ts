/**
 * A service's own PostgreSQL (or embedded PGlite) database: queries, transactions, migrations.
 *
 * @packageDocumentation
 */
export { advisoryLockKey } from './advisory-lock-key.js';
export type { Database, PoolStats, Queryable, QueryResult } from './database.js';
export { isUniqueViolation } from './is-unique-violation.js';
export { type MigrateOptions, migrate } from './migrate.js';
export { MigrationChecksumError, MigrationError } from './migration-error.js';
export { newId } from './new-id.js';
export { type DatabasePoolOptions, type OpenDatabaseOptions, openDatabase } from './open-database.js';
export { registerPoolGauges } from './register-pool-gauges.js';
export { type TraceDatabaseOptions, traceDatabase } from './trace-database.js';
