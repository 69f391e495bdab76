/** What a query answers. */
export interface QueryResult<R> {
  /** The rows returned, one object per row keyed by column name. */
  rows: R[];
  /** Rows returned by a SELECT or changed by INSERT/UPDATE/DELETE; 0 for other statements. */
  rowCount: number;
}

/** Anything a query can run on: the database, or a transaction's `tx`. */
export interface Queryable {
  /**
   * Without params the text may hold several statements (the simple protocol, as node-postgres
   * does); the result is the last statement's. With params it must be exactly one statement.
   */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /**
   * Present on a transaction's `tx` only: runs `task` on the transaction just before its COMMIT,
   * tasks in the order given. Lets writers gather rows and send them in one statement; a task that
   * throws rolls the transaction back.
   */
  readonly beforeCommit?: (task: () => Promise<void>) => void;
  /**
   * Present on a transaction's `tx` only: calls `callback` once the transaction has committed (not
   * if it rolls back), e.g. to wake a worker for what it wrote.
   */
  readonly afterCommit?: (callback: () => void) => void;
}

/** One service's database: a PostgreSQL pool or an embedded PGlite, behind the same calls. */
export interface Database extends Queryable {
  /** PostgreSQL over the network, or PGlite embedded in the process. */
  readonly engine: 'postgres' | 'pglite';
  /**
   * BEGIN/COMMIT around `fn`; ROLLBACK and rethrow if it throws. Inside `fn` use `tx` only:
   * on PGlite, `db.query` waits for the transaction to end, so calling it from `fn` never returns.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** `SELECT 1`, for readiness checks. */
  ping(): Promise<void>;
  /** LISTEN on `channel` (case-sensitive); resolves to a function that stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** The connection pool now, for the metrics. */
  poolStats(): PoolStats;
  /** Closes the pool, or the embedded database. */
  close(): Promise<void>;
}

/** The connections of a database's pool. */
export interface PoolStats {
  /** Connections open. */
  total: number;
  /** Connections open and unused. */
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
}
