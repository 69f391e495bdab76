import type { Database } from './database.js';

/**
 * The `synchronous_commit` for a write whose loss in a crash costs only a resend or a delay (a
 * relay's cursor, a lease). `off` on PostgreSQL, whose WAL writer flushes such commits within a few
 * hundred milliseconds. `local` (a flush at commit) on PGlite: it has no WAL writer, so a commit
 * that did not wait would stay unflushed until the next one that does, and a killed process would
 * lose it however long ago it was made — a relay would then resend everything since its last
 * business commit.
 */
export function relaxedCommit(db: Pick<Database, 'engine'>): 'off' | 'local' {
  return db.engine === 'postgres' ? 'off' : 'local';
}
