import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { advisoryLockKey } from './advisory-lock-key.js';
import type { Database, Queryable } from './database.js';
import { MigrationChecksumError, MigrationError } from './migration-error.js';
import { quoteIdentifier } from './quote-identifier.js';

/** Which migrations to apply, and how. */
export interface MigrateOptions {
  /** Absolute path of the folder of `*.sql` files, applied in filename order. */
  directory: string;
  /** Names the advisory lock that instances migrating the same database contend for. */
  lockKey: string;
  /**
   * Where applied files are recorded; `flotilla_migrations` by default. A second set of files in
   * the same database (the kit's event tables) keeps its own table, so neither set sees the other's
   * files as missing.
   */
  table?: string;
}

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/**
 * Applies the `*.sql` files not applied yet, each in its own transaction together with its row in
 * `flotilla_migrations`, so a failure leaves no half-applied file. Safe for several instances
 * starting at once: every step holds a transaction-scoped advisory lock. A file must not manage
 * its own transaction (no BEGIN/COMMIT, no CREATE INDEX CONCURRENTLY).
 */
export async function migrate(db: Database, options: MigrateOptions): Promise<{ applied: string[] }> {
  // A relative path would resolve against whatever directory the process was started from.
  if (!isAbsolute(options.directory)) {
    throw new Error(`migrate: directory must be an absolute path, got "${options.directory}"`);
  }
  const files = await readMigrations(options.directory);
  const lockKey = advisoryLockKey(options.lockKey).toString();
  const table = quoteIdentifier(options.table ?? 'flotilla_migrations');

  const recorded = await db.transaction(async (tx) => {
    await lock(tx, lockKey);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const { rows } = await tx.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM ${table}`,
    );
    return new Map(rows.map((row) => [row.name, row.checksum]));
  });

  const onDisk = new Set(files.map((file) => file.name));
  for (const name of [...recorded.keys()].sort()) {
    if (!onDisk.has(name)) {
      throw new MigrationError(
        name,
        `Migration ${name} is recorded as applied but missing from ${options.directory}`,
      );
    }
  }
  for (const file of files) {
    const checksum = recorded.get(file.name);
    if (checksum !== undefined && checksum !== file.checksum) {
      throw new MigrationChecksumError(file.name, checksum, file.checksum);
    }
  }

  const applied: string[] = [];
  for (const file of files.filter((candidate) => !recorded.has(candidate.name))) {
    const appliedNow = await db.transaction(async (tx) => {
      await lock(tx, lockKey);
      // Another instance may have applied it since we looked.
      const { rows } = await tx.query<{ checksum: string }>(`SELECT checksum FROM ${table} WHERE name = $1`, [
        file.name,
      ]);
      const current = rows[0];
      if (current) {
        if (current.checksum !== file.checksum) {
          throw new MigrationChecksumError(file.name, current.checksum, file.checksum);
        }
        return false;
      }
      try {
        await tx.query(file.sql);
      } catch (err) {
        throw new MigrationError(file.name, `Migration ${file.name} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      await tx.query(`INSERT INTO ${table} (name, checksum) VALUES ($1, $2)`, [file.name, file.checksum]);
      return true;
    });
    if (appliedNow) applied.push(file.name);
  }
  return { applied };
}

async function readMigrations(directory: string): Promise<MigrationFile[]> {
  // Code-unit order, not locale order, so every machine applies files in the same sequence.
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(directory, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

async function lock(tx: Queryable, key: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
}
