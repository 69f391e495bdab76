import { context, SpanKind, trace } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import type { Tracing } from '../telemetry/index.js';
import type { Database, Queryable } from './database.js';

/** How a traced database names itself in spans. */
export interface TraceDatabaseOptions {
  /** The schema or database name, reported as `db.namespace`. */
  readonly namespace?: string;
}

/**
 * Wraps a database so each query (and each transaction) is a CLIENT span. Spans are made only
 * inside an active span: background polling (readiness pings, relay scans) would otherwise start a
 * trace per query and crowd out the traces of real work. Parameters are never recorded, only the
 * statement text with its placeholders.
 */
export function traceDatabase(db: Database, tracing: Tracing, options: TraceDatabaseOptions = {}): Database {
  const base = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
    'db.flotilla.engine': db.engine,
    ...(options.namespace ? { [ATTR_DB_NAMESPACE]: options.namespace } : {}),
  };
  const traced = (target: Queryable): Queryable['query'] =>
    function query<R>(sql: string, params?: unknown[]) {
      if (!trace.getSpan(context.active())) return target.query<R>(sql, params);
      const operation = operationOf(sql);
      return tracing.withSpan(
        operation,
        {
          kind: SpanKind.CLIENT,
          attributes: { ...base, [ATTR_DB_OPERATION_NAME]: operation, [ATTR_DB_QUERY_TEXT]: sql },
        },
        () => target.query<R>(sql, params),
      );
    };
  const tracedTx = (tx: Queryable): Queryable => ({ ...tx, query: traced(tx) });
  return {
    engine: db.engine,
    query: traced(db),
    transaction(fn) {
      if (!trace.getSpan(context.active())) return db.transaction((tx) => fn(tracedTx(tx)));
      return tracing.withSpan('transaction', { kind: SpanKind.CLIENT, attributes: base }, () =>
        db.transaction((tx) => fn(tracedTx(tx))),
      );
    },
    ping: () => db.ping(),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    poolStats: () => db.poolStats(),
    close: () => db.close(),
  };
}

/** The statement's leading keyword (SELECT, INSERT, WITH, …): a low-cardinality span name. */
function operationOf(sql: string): string {
  const match = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/.exec(sql);
  return match?.[1]?.toUpperCase() ?? 'QUERY';
}
