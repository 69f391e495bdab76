import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { extractTraceContext, type Tracing } from '../telemetry/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Set on routes polled every few seconds (probes, metrics, the dashboard's scrapes): a span
     * per request would crowd real traces out.
     */
    untraced?: boolean;
  }
}

const spans = new WeakMap<FastifyRequest, Span>();

/** The server span of a request, when it is traced. */
export function requestSpanOf(request: FastifyRequest): Span | undefined {
  return spans.get(request);
}

/**
 * One SERVER span per request, named `<METHOD> <route template>`, continuing the caller's
 * `traceparent` when it is valid; routes whose config says `untraced` get none. The span is made active for every later hook, the body parser and
 * the handler, so log lines, database queries and outgoing calls made for the request join it.
 */
export function traceRequests(app: FastifyInstance, tracing: Tracing): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config?.untraced) return done();
    const route = request.routeOptions.url;
    const parent = extractTraceContext(request.headers);
    const userAgent = request.headers['user-agent'];
    const span = tracing.tracer.startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_PATH]: request.url.split('?')[0],
          [ATTR_URL_SCHEME]: request.protocol,
          [ATTR_CLIENT_ADDRESS]: request.ip,
          ...(route === undefined ? {} : { [ATTR_HTTP_ROUTE]: route }),
          ...(request.socket.localPort ? { [ATTR_SERVER_PORT]: request.socket.localPort } : {}),
          ...(typeof userAgent === 'string' ? { [ATTR_USER_AGENT_ORIGINAL]: userAgent } : {}),
        },
      },
      parent,
    );
    spans.set(request, span);
    // send-problem.ts reports this as the problem's traceId, so a client's report finds the trace.
    (request as FastifyRequest & { traceId?: string }).traceId = span.spanContext().traceId;
    const active = trace.setSpan(parent, span);
    // Body chunks and `end` are emitted from the socket's context; binding the streams keeps their
    // listeners (Fastify's body parser, then the handler it calls) inside the request's span.
    context.bind(active, request.raw);
    context.bind(active, reply.raw);
    reply.raw.once('close', () => {
      // A client that goes away before the response is complete gets no onResponse hook.
      if (!reply.raw.writableFinished && span.isRecording()) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' });
        span.end();
      }
    });
    context.with(active, done);
  });

  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    // Semantic conventions: for a server span only a 5xx is an error; a 4xx is the client's.
    if (reply.statusCode >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(reply.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  });
}
