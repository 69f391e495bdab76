import { mkdir } from 'node:fs/promises';
import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.js';
import { quoteIdentifier } from './quote-identifier.js';
import { transactionScope } from './transaction-scope.js';

export interface PGliteDatabaseOptions {
  dataDir?: string | undefined;
  schema?: string | undefined;
  onError: (err: Error) => void;
}

// node-postgres returns int8 as a string; PGlite would return a lossy number. Matching pg keeps
// code and tests identical on both engines and ids above 2^53 exact.
const INT8_OID = 20;

export async function openPGliteDatabase(options: PGliteDatabaseOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const pglite = await PGlite.create(options.dataDir, { parsers: { [INT8_OID]: (value: string) => value } });
  if (options.schema) {
    const schema = quoteIdentifier(options.schema);
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  }

  // PGlite is one connection: its query/exec already queue behind an open transaction(), and
  // transaction() runs one at a time, so no locking is needed here.
  return {
    engine: 'pglite',
    query: queryOn(pglite),
    async transaction(fn) {
      let scope: ReturnType<typeof transactionScope> | undefined;
      const result = await pglite.transaction(async (tx) => {
        scope = transactionScope(queryOn(tx), options.onError);
        const value = await fn(scope.tx);
        await scope.settle();
        return value;
      });
      scope?.committed();
      return result;
    },
    async ping() {
      await pglite.query('SELECT 1');
    },
    async listen(channel, onNotify) {
      // PGlite interpolates the name into LISTEN as-is, so quote it to keep it case-sensitive. Its
      // returned unsubscribe re-folds the name to lower case, so unlisten by the quoted name instead,
      // with a handler of our own so two listens with the same callback stop independently.
      const name = quoteIdentifier(channel);
      const handler = (payload: string) => onNotify(payload);
      await pglite.listen(name, handler);
      return () => pglite.unlisten(name, handler);
    },
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}

function queryOn(target: PGlite | Transaction): Queryable['query'] {
  return async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
    // Without params use the simple protocol, like node-postgres, so multi-statement text works.
    if (!params?.length) return toResult<R>((await target.exec(sql)).at(-1));
    return toResult<R>(await target.query<R>(sql, params));
  };
}

function toResult<R>(result: Results<R> | Results | undefined): QueryResult<R> {
  return { rows: (result?.rows ?? []) as R[], rowCount: result?.rowCount ?? 0 };
}
