import type pg from 'pg';
import type { Database, Queryable, QueryResult } from './database.js';
import type { DatabasePoolOptions } from './open-database.js';
import { quoteIdentifier } from './quote-identifier.js';
import { transactionScope } from './transaction-scope.js';

export interface PostgresDatabaseOptions {
  url: string;
  schema?: string | undefined;
  pool?: DatabasePoolOptions | undefined;
  onError: (err: Error) => void;
}

const DUPLICATE_SCHEMA = '42P06';
const UNIQUE_VIOLATION = '23505';
const PING_TIMEOUT_MS = 5_000;

export async function openPostgresDatabase(options: PostgresDatabaseOptions): Promise<Database> {
  const { Client, Pool } = await import('pg');
  const { url, schema, pool: limits = {}, onError } = options;
  const connection = {
    connectionString: url,
    connectionTimeoutMillis: limits.connectionTimeoutMs,
    // Startup parameters, so every connection has them from its first statement, including
    // connections the pool opens later or after a reconnect.
    statement_timeout: limits.statementTimeoutMs,
    // The client-side backstop: a query still unanswered a second after the server would have
    // cancelled it is on a dead connection (a database that vanished without closing it, a network
    // black hole). It fails, and the pool destroys that connection instead of lending it out forever.
    query_timeout: limits.statementTimeoutMs === undefined ? undefined : limits.statementTimeoutMs + 1_000,
    options: schema ? `-c search_path=${escapeOptionValue(quoteIdentifier(schema))}` : undefined,
  };
  const pool = new Pool({ ...connection, max: limits.max, idleTimeoutMillis: limits.idleTimeoutMs });
  // An idle connection dropped by the server emits 'error' on the pool; unhandled, it kills the process.
  pool.on('error', onError);
  const listeners = new Set<pg.Client>();

  if (schema) {
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    } catch (err) {
      // Two processes creating the same schema at once: the loser sees one of these; the schema exists.
      const code = (err as { code?: unknown }).code;
      if (code !== DUPLICATE_SCHEMA && code !== UNIQUE_VIOLATION) {
        await pool.end();
        throw err;
      }
    }
  }

  let closing: Promise<void> | undefined;
  return {
    engine: 'postgres',
    query: queryOn(pool),
    async transaction(fn) {
      const client = await pool.connect();
      // The pool stops watching a client while it is checked out; a connection lost mid-transaction
      // would otherwise be an unhandled 'error' event. The failed query rejects as well.
      client.on('error', onError);
      const scope = transactionScope(queryOn(client), onError);
      let broken: Error | undefined;
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        await client.query('BEGIN');
        result = await fn(scope.tx);
        await scope.settle();
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw err;
      } finally {
        client.off('error', onError);
        // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
        client.release(broken);
      }
      // Outside the try: the transaction has committed, whatever its callbacks do.
      scope.committed();
      return result;
    },
    async ping() {
      // Shorter than any statement: readiness probes are what notice a dead connection first, and a
      // timed-out ping takes its connection out of the pool, so the pool heals once the server is back.
      await pool.query({
        text: 'SELECT 1',
        query_timeout: limits.connectionTimeoutMs ?? PING_TIMEOUT_MS,
      } as pg.QueryConfig);
    },
    async listen(channel, onNotify) {
      // A dedicated connection outside the pool: LISTEN lasts as long as the session, and must not
      // hold a pool slot. If it drops, onError hears of it and the caller must listen again.
      const client = new Client(connection);
      client.on('error', onError);
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      });
      try {
        await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch (err) {
        await client.end();
        throw err;
      }
      listeners.add(client);
      return async () => {
        if (listeners.delete(client)) await client.end();
      };
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close() {
      closing ??= Promise.all([...listeners].map((client) => client.end())).then(() => pool.end());
      return closing;
    },
  };
}

function queryOn(target: pg.Pool | pg.PoolClient): Queryable['query'] {
  return async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
    // A multi-statement text (simple protocol) yields one result per statement; keep the last.
    const result: pg.QueryResult | pg.QueryResult[] = await target.query(sql, params);
    const last = Array.isArray(result) ? result.at(-1) : result;
    return { rows: (last?.rows ?? []) as R[], rowCount: last?.rowCount ?? 0 };
  };
}

/** The `options` startup parameter splits on spaces; a backslash keeps one literal. */
function escapeOptionValue(value: string): string {
  return value.replace(/[\\ ]/g, '\\$&');
}
