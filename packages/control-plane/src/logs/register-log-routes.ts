import { FlotillaError } from '@flotilla/kit/errors';
import type { HttpServer } from '@flotilla/kit/http';
import { type Static, Type } from '@sinclair/typebox';
import { EXPORT_BODY_LIMIT } from '../traces/export-body-limit.js';
import { gunzipPayload } from '../traces/gunzip-payload.js';
import { LOG_LEVELS } from './log-record.js';
import type { LogStore } from './log-store.js';
import { logsFromOtlp } from './otlp-logs.js';

const LogListQuery = Type.Object(
  {
    service: Type.Optional(Type.String({ minLength: 1 })),
    level: Type.Optional(Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)))),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    traceId: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'only lines after this seq' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000, default: 500 })),
  },
  { additionalProperties: false },
);

/**
 * The OTLP/HTTP logs receiver (`POST /v1/logs`, JSON, gzip or not) and the logs API over the store
 * (`GET /api/logs`), in their own encapsulated scope like the trace receiver.
 */
export async function registerLogRoutes(app: HttpServer, store: LogStore): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('preParsing', gunzipPayload);

    scope.post(
      '/v1/logs',
      // Every exporter posts here every second: its access lines would be most of the logs.
      { bodyLimit: EXPORT_BODY_LIMIT, logLevel: 'warn', schema: { hide: true } },
      async (request, reply) => {
        if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
          throw new FlotillaError('UNSUPPORTED_MEDIA_TYPE', {
            detail: 'send application/json (OTLP/JSON; set OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/json)',
          });
        }
        store.add(logsFromOtlp(request.body));
        return reply.type('application/json').send({});
      },
    );

    scope.get<{ Querystring: Static<typeof LogListQuery> }>(
      '/api/logs',
      { schema: { summary: 'Recent log lines of every process, oldest first', querystring: LogListQuery } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return { lastSeq: store.lastSeq, services: store.services(), logs: store.query(request.query) };
      },
    );
  });
}
