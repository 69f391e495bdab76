/// <reference types="@fastify/swagger" preserve="true" />
// Routes of every package that builds on the kit may use swagger's schema keys (`hide`, `tags`).
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isSpanContextValid, TraceFlags } from '@opentelemetry/api';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { FlotillaError } from '../errors/index.js';
import { type Logger, markFailed, type ServiceMetrics, type Tracing } from '../telemetry/index.js';
import { answerClientError, answerProtocolErrors } from './client-error-response.js';
import { rejectUnstorableText } from './reject-unstorable-text.js';
import { registerRequestDeadline } from './request-deadline.js';
import { requestIdOf } from './request-id.js';
import { sendProblem } from './send-problem.js';
import { toFlotillaError } from './to-flotilla-error.js';
import { requestSpanOf, traceRequests } from './trace-requests.js';

const PROBE_ROUTES = new Set(['/health/live', '/health/ready', '/health/started', '/metrics']);

/** A service's Fastify server, typed by TypeBox: a route's schema types its request and reply. */
export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** How a service's HTTP server is built. */
export interface HttpServerOptions {
  /** The service's name, in logs, metrics and the OpenAPI document. */
  readonly name: string;
  /** The service's version, in the OpenAPI document. */
  readonly version: string;
  /** Request logs, with the trace id. */
  readonly logger: Logger;
  /** The standard HTTP metrics are recorded here. */
  readonly metrics?: ServiceMetrics;
  /** Largest accepted request body; larger ones get 413. */
  readonly bodyLimitBytes?: number;
  /** Time a client has to send a whole request (slowloris guard). */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs?: number;
  /** The OpenAPI document's description. */
  readonly description?: string;
  /** Traces every request (a SERVER span per request) when given. */
  readonly tracing?: Tracing;
  /**
   * With tracing, a request's access line is at info only when its trace is sampled, it failed
   * (4xx or 5xx) or it took this long (ms); otherwise at debug. Every line at info when left out.
   */
  readonly slowRequestMs?: number;
}

/**
 * A Fastify server that answers every error as problem+json, validates and serializes from route
 * schemas, records request metrics and publishes its OpenAPI 3.1 document at `/openapi.json`.
 * Routes are added by the caller, before `ready()`.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One access line per request, written by our onResponse hook with the route template.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 72_000,
    return503OnClosing: true,
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
    // Framing errors and unmet expectations are answered as problems, like every other error.
    clientErrorHandler: answerClientError,
    // Errors Fastify meets before routing (a malformed percent-encoding in the path) are problems too.
    frameworkErrors: (_error, request, reply) =>
      sendProblem(
        request,
        reply,
        new FlotillaError('BAD_REQUEST', { detail: 'the path has a malformed percent-encoding' }),
      ),
  }).withTypeProvider<TypeBoxTypeProvider>();

  answerProtocolErrors(app.server);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.name, version: options.version, description: options.description ?? '' },
    },
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { untraced: true } }, async () => app.swagger());

  if (options.tracing) traceRequests(app, options.tracing);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerRequestDeadline(app);
  rejectUnstorableText(app);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const seconds = reply.elapsedTime / 1000;
    options.metrics?.httpServerDuration.observe(
      {
        http_request_method: request.method,
        http_route: route,
        http_response_status_code: String(reply.statusCode),
      },
      seconds,
    );
    // The registry and orchestrators probe every instance every few seconds: those lines would drown
    // the real traffic, so a passing probe is logged at debug. So is a request whose trace is not
    // exported: under load a line per request cost a third of the system's CPU, and a developer
    // finds a request by its trace.
    const level =
      (PROBE_ROUTES.has(route) && reply.statusCode < 400) ||
      unremarkable(request, reply.statusCode, reply.elapsedTime)
        ? 'debug'
        : 'info';
    request.log[level](
      {
        method: request.method,
        route,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });

  function unremarkable(request: FastifyRequest, status: number, elapsedMs: number): boolean {
    if (options.slowRequestMs === undefined || status >= 400 || elapsedMs >= options.slowRequestMs)
      return false;
    // Tracing off gives spans of no trace (an invalid context): then every line is kept.
    const context = requestSpanOf(request)?.spanContext();
    return (
      context !== undefined && isSpanContextValid(context) && (context.traceFlags & TraceFlags.SAMPLED) === 0
    );
  }

  app.setErrorHandler(async (error, request, reply) => {
    const mapped = toFlotillaError(error);
    if (!(mapped instanceof FlotillaError) || mapped.status >= 500) {
      request.log.error({ err: error }, 'request failed');
      const span = requestSpanOf(request);
      if (span) markFailed(span, error);
    }
    return sendProblem(request, reply, mapped);
  });
  app.setNotFoundHandler(async (request, reply) =>
    sendProblem(
      request,
      reply,
      new FlotillaError('ROUTE_NOT_FOUND', {
        detail: `no route for ${request.method} ${request.url.split('?')[0]}`,
      }),
    ),
  );
  return app;
}
