import { FlotillaError } from '@flotilla/kit/errors';
import type { HttpServer } from '@flotilla/kit/http';
import { type Static, Type } from '@sinclair/typebox';
import { decodeOtlpProtobuf } from './decode-otlp-protobuf.js';
import { EXPORT_BODY_LIMIT } from './export-body-limit.js';
import { gunzipPayload } from './gunzip-payload.js';
import { spansFromOtlp } from './otlp-spans.js';
import type { TraceStore } from './trace-store.js';

const PROTOBUF = 'application/x-protobuf';

const TraceIdParams = Type.Object({
  traceId: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'lower-case hex trace id' }),
});

const TraceListQuery = Type.Object(
  {
    service: Type.Optional(
      Type.String({ minLength: 1, description: 'a span of this service is in the trace' }),
    ),
    route: Type.Optional(Type.String({ minLength: 1, description: 'a span has this http.route' })),
    status: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('error')])),
    minDurationMs: Type.Optional(Type.Number({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
  },
  { additionalProperties: false },
);

/**
 * The local collector: the OTLP/HTTP trace receiver (`POST /v1/traces`, protobuf or JSON, gzip or
 * not) and the JSON API over the trace store (`GET /api/traces`, `GET /api/traces/{traceId}`).
 * Registered in its own encapsulated scope, so its protobuf parser touches no other route.
 */
export async function registerTraceRoutes(app: HttpServer, store: TraceStore): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      PROTOBUF,
      { parseAs: 'buffer', bodyLimit: EXPORT_BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
    scope.addHook('preParsing', gunzipPayload);

    scope.post(
      '/v1/traces',
      { bodyLimit: EXPORT_BODY_LIMIT, schema: { hide: true } },
      async (request, reply) => {
        const contentType = request.headers['content-type'] ?? '';
        const isProtobuf = contentType.startsWith(PROTOBUF);
        // Fastify also parses text/plain; OTLP/HTTP is protobuf or JSON only.
        if (!isProtobuf && !contentType.startsWith('application/json')) {
          throw new FlotillaError('UNSUPPORTED_MEDIA_TYPE', {
            detail: `send ${PROTOBUF} or application/json`,
          });
        }
        const exported = isProtobuf ? decodeOtlpProtobuf(request.body as Buffer) : request.body;
        store.add(spansFromOtlp(exported));
        // A full success is an empty ExportTraceServiceResponse, in the request's encoding.
        return isProtobuf
          ? reply.type(PROTOBUF).send(Buffer.alloc(0))
          : reply.type('application/json').send({});
      },
    );

    scope.get<{ Querystring: Static<typeof TraceListQuery> }>(
      '/api/traces',
      {
        schema: {
          summary: 'Recent traces, newest first',
          querystring: TraceListQuery,
        },
      },
      async (request) => ({ traces: store.query(request.query) }),
    );

    scope.get<{ Params: Static<typeof TraceIdParams> }>(
      '/api/traces/:traceId',
      { schema: { summary: "A trace's spans in start order", params: TraceIdParams } },
      async (request) => {
        const spans = store.get(request.params.traceId);
        if (!spans) {
          throw new FlotillaError('NOT_FOUND', {
            detail: `trace ${request.params.traceId} is not in the store`,
          });
        }
        return { traceId: request.params.traceId, spans };
      },
    );
  });
}
