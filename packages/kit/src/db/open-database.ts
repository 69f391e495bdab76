import type { Database } from './database.js';
import { openPGliteDatabase } from './pglite-database.js';
import { openPostgresDatabase } from './postgres-database.js';

/** The PostgreSQL connection pool. */
export interface DatabasePoolOptions {
  /** Connections at most. */
  max?: number;
  /** How long an unused connection stays open. */
  idleTimeoutMs?: number;
  /** Longest a statement may run before PostgreSQL cancels it. */
  statementTimeoutMs?: number;
  /** Longest wait for a connection. */
  connectionTimeoutMs?: number;
}

/** Which database to open, and how. */
export interface OpenDatabaseOptions {
  /** `postgres://` or `postgresql://` selects PostgreSQL; absent or empty selects embedded PGlite. */
  url?: string;
  /** PGlite's storage directory (created if missing); in memory when absent. */
  dataDir?: string;
  /** Schema to work in, created if missing and made the `search_path` of every connection. */
  schema?: string;
  /** PostgreSQL only: PGlite is a single in-process connection. */
  pool?: DatabasePoolOptions;
  /**
   * Errors that belong to no caller, e.g. an idle pooled connection dropped by the server, or an
   * after-commit callback that threw.
   */
  onError?: (err: Error) => void;
}

const reportToStderr = (err: Error) => console.error('flotilla db: background error', err);

/** Opens the database chosen by `url`; loads only that engine's driver. Open one per process. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const { url, dataDir, schema, pool, onError = reportToStderr } = options;
  if (!url) {
    return openPGliteDatabase({ dataDir, schema, onError });
  }
  const scheme = url.slice(0, url.indexOf(':') + 1) || url;
  if (scheme !== 'postgres:' && scheme !== 'postgresql:') {
    throw new Error(`Unsupported database URL scheme "${scheme}": use postgres:// or postgresql://`);
  }
  return openPostgresDatabase({ url, schema, pool, onError });
}
