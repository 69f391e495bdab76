import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { LoadBalancer } from '@flotilla/kit/discovery';
import { FlotillaError } from '@flotilla/kit/errors';
import type { HealthMonitor } from '@flotilla/kit/health';
import { answerClientError, answerProtocolErrors, DEADLINE_HEADER } from '@flotilla/kit/http';
import { injectTraceContext, type Logger, type ServiceMetrics, type Tracing } from '@flotilla/kit/telemetry';
import type { Identity, JwtAuthenticator } from './auth/jwt-authenticator.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { checkPath } from './http/check-path.js';
import { ClientAddress } from './http/client-address.js';
import { Cors, type CorsOptions } from './http/cors.js';
import { endToEndHeaders } from './http/hop-by-hop.js';
import { writeProblem } from './http/write-problem.js';
import { LoadShedder, type LoadShedderOptions } from './load-shedder.js';
import { aggregateOpenApi } from './openapi/aggregate-openapi.js';
import { DOCS_PAGE } from './openapi/docs-page.js';
import { pushRateLimitFields } from './rate-limit/rate-limit-fields.js';
import type { RateLimiter } from './rate-limit/rate-limiter.js';
import type { Route, RouteSource } from './routes/route.js';
import { RouteTable, upstreamPath } from './routes/route-table.js';
import { type RequestSpan, traceRequest } from './tracing/request-span.js';
import { forwardRequest } from './upstream/forward-request.js';
import { limitBody } from './upstream/limit-body.js';
import { type BreakerOptions, isBrokenCircuit, UpstreamBreakers } from './upstream/upstream-breakers.js';
import { type PoolOptions, UpstreamPools } from './upstream/upstream-pools.js';

export interface ServerLimits {
  /** Longest wait for a request's complete headers (slowloris guard); 408 after. */
  readonly headersTimeoutMs: number;
  /** Longest wait for a complete request, body included; 408 after. */
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Requests served on one connection before it is closed (0: no limit). */
  readonly maxRequestsPerSocket: number;
  /** Largest request head in bytes; 431 above. */
  readonly maxHeaderSize: number;
}

export interface GatewayOptions {
  readonly routes: RouteSource;
  readonly balancer: LoadBalancer;
  readonly rateLimiter: RateLimiter;
  /** Required when any route is protected. */
  readonly authenticator?: JwtAuthenticator;
  readonly cors: CorsOptions;
  /** Addresses or CIDR ranges whose `X-Forwarded-*` headers are believed. */
  readonly trustedProxies: readonly string[];
  readonly breaker: BreakerOptions;
  readonly pool: PoolOptions;
  readonly shedding: LoadShedderOptions;
  readonly server: ServerLimits;
  readonly openApiTimeoutMs: number;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly health: HealthMonitor;
  /** Traces routed requests when given (telemetry on); nothing span-related runs without it. */
  readonly tracing?: Tracing;
}

export interface Gateway {
  readonly server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, drains in-flight requests up to `timeoutMs`, then closes everything. */
  close(timeoutMs?: number): Promise<void>;
}

/** Headers a client may not set: the gateway sets them itself (identity, forwarding, framing). */
const GATEWAY_SET = new Set([
  'host',
  'x-auth-subject',
  'x-auth-claims',
  'x-request-id',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  // The gateway states the upstream's deadline itself; a client's could only cut its own request to a 504.
  DEADLINE_HEADER,
]);
/** With tracing on, the upstream continues the gateway's span, never a client-sent context. */
const GATEWAY_SET_TRACED = new Set([...GATEWAY_SET, 'traceparent', 'tracestate']);
const REPLAYABLE = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

export function createGateway(options: GatewayOptions): Gateway {
  const { balancer, rateLimiter, authenticator, logger, health, tracing } = options;
  const metrics = new GatewayMetrics(options.metrics, rateLimiter);
  const cors = new Cors(options.cors);
  const clientAddress = new ClientAddress(options.trustedProxies);
  const shedder = new LoadShedder(options.shedding);
  const pools = new UpstreamPools(options.pool);
  const breakers = new UpstreamBreakers(options.breaker, (service, open) => {
    metrics.breaker(service, open);
    logger.warn({ upstream: service }, open ? 'circuit opened' : 'circuit closed');
  });

  let table = buildTable(options.routes.routes());
  const unsubscribe = options.routes.subscribe(() => {
    table = buildTable(options.routes.routes());
    logger.info({ routes: table.routes.map((route) => route.prefix) }, 'routes changed');
  });

  function buildTable(routes: readonly Route[]): RouteTable {
    if (authenticator === undefined) {
      const protectedRoutes = routes
        .filter((route) => route.auth === 'protected')
        .map((route) => route.prefix);
      if (protectedRoutes.length > 0) {
        // Fail closed: such a route answers 401 until a key or JWKS is configured.
        logger.warn({ routes: protectedRoutes }, 'protected routes without JWT_KEY or JWT_JWKS_URL');
      }
    }
    return new RouteTable(routes);
  }

  const server = createServer(
    {
      maxHeaderSize: options.server.maxHeaderSize,
      headersTimeout: options.server.headersTimeoutMs,
      requestTimeout: options.server.requestTimeoutMs,
      keepAliveTimeout: options.server.keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, options.server.headersTimeoutMs / 4)),
      // Smuggling guard: never the lenient parser (it would accept CL+TE and duplicate CL).
      insecureHTTPParser: false,
      joinDuplicateHeaders: false,
    },
    (request, response) => void handle(request, response),
  );
  server.maxRequestsPerSocket = options.server.maxRequestsPerSocket;
  server.on('clientError', answerClientError);
  answerProtocolErrors(server);

  /** Answers one request; never rejects (an unexpected error is logged and answered 500). */
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      await answer(request, response);
    } catch (error) {
      logger.error({ err: error }, 'request failed');
      writeProblem(response, new FlotillaError('INTERNAL'), pathOf(request.url), '');
    }
  }

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const incomingId = request.headers['x-request-id'];
    const requestId =
      typeof incomingId === 'string' && SAFE_REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const url = request.url ?? '/';
    const method = request.method ?? 'GET';

    if (shedder.overloaded) {
      metrics.shed();
      response.setHeader('x-request-id', requestId);
      request.resume();
      response.shouldKeepAlive = false;
      return writeProblem(
        response,
        new FlotillaError('OVERLOADED', { retryAfterSeconds: 1 }),
        pathOf(url),
        requestId,
      );
    }
    const checked = checkPath(url);
    if (!checked.ok) {
      request.resume();
      response.setHeader('x-request-id', requestId);
      return writeProblem(
        response,
        new FlotillaError('BAD_REQUEST', { detail: checked.reason }),
        '',
        requestId,
      );
    }
    const { path, query } = checked;
    // None of the gateway's own paths starts with `/a`: routed `/api/…` requests skip the checks.
    if (path.charCodeAt(1) !== 97 && (await ownRoute(path, request, response, requestId))) return;

    const route = table.match(path);
    if (tracing === undefined) {
      await routed(route, request, response, requestId, method, path, query, started, undefined);
      return;
    }
    const client = clientAddress.of(request.socket.remoteAddress ?? '', request.headers['x-forwarded-for']);
    const facts = { method: KNOWN_METHODS.has(method) ? method : '_OTHER', path, client, route };
    await traceRequest(tracing, request, facts, (span) =>
      routed(route, request, response, requestId, method, path, query, started, span),
    );
  }

  /**
   * A request for a routed path, answered by the upstream or with a problem; returns the status.
   * It never throws: an unexpected error is logged (inside the request's span, so with its trace
   * id) and answered 500.
   */
  async function routed(
    route: Route | undefined,
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    method: string,
    path: string,
    query: string,
    started: number,
    span: RequestSpan | undefined,
  ): Promise<number> {
    // With tracing on, a problem names the trace, so a client's report leads to it.
    const traceId = span?.traceId ?? requestId;
    try {
      if (route === undefined) {
        request.resume();
        response.setHeader('x-request-id', requestId);
        writeProblem(response, new FlotillaError('ROUTE_NOT_FOUND'), path, traceId);
        return 404;
      }
      if (request.headers.origin !== undefined) {
        response.setHeader('x-request-id', requestId);
        if (cors.apply(request, response)) return response.statusCode;
      }
      shedder.inFlight++;
      let status: number;
      try {
        status = await proxy(route, request, response, requestId, traceId, method, path + query, path, span);
      } finally {
        shedder.inFlight--;
      }
      const seconds = (performance.now() - started) / 1000;
      metrics.request(KNOWN_METHODS.has(method) ? method : '_OTHER', route.prefix, status, seconds);
      return status;
    } catch (error) {
      span?.fail(error, error instanceof Error ? error.name : '_OTHER');
      logger.error({ err: error }, 'request failed');
      if (!response.headersSent) response.setHeader('x-request-id', requestId);
      writeProblem(response, new FlotillaError('INTERNAL'), path, traceId);
      return 500;
    }
  }

  async function proxy(
    route: Route,
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    traceId: string,
    method: string,
    target: string,
    path: string,
    span: RequestSpan | undefined,
  ): Promise<number> {
    // The gateway's answer fields, written with the upstream's head in one go, or before a problem.
    const answerHeaders = ['x-request-id', requestId];
    let identity: Identity | undefined;
    if (route.auth === 'protected') {
      if (authenticator === undefined)
        return refuse(
          request,
          response,
          answerHeaders,
          path,
          traceId,
          new FlotillaError('UNAUTHORIZED', { detail: 'authentication is not configured' }),
        );
      const authorization = request.headers.authorization;
      try {
        // A reused token is answered from the verified-token cache without a promise.
        identity = authenticator.cached(authorization) ?? (await authenticator.authenticate(authorization));
      } catch (error) {
        response.setHeader('www-authenticate', 'Bearer');
        return refuse(
          request,
          response,
          answerHeaders,
          path,
          traceId,
          error instanceof FlotillaError ? error : new FlotillaError('UNAUTHORIZED'),
        );
      }
    }
    const peer = request.socket.remoteAddress ?? '';
    const client = clientAddress.of(peer, request.headers['x-forwarded-for']);
    if (route.rateLimit !== undefined) {
      const policy = route.rateLimit;
      const apiKey = request.headers['x-api-key'];
      const key =
        policy.key === 'subject' && identity !== undefined
          ? `s:${identity.subject}`
          : policy.key === 'api-key' && typeof apiKey === 'string' && apiKey.length <= 256
            ? `k:${apiKey}`
            : `i:${client}`;
      const taken = rateLimiter.take(`${route.prefix}|${key}`, policy);
      const decision = taken instanceof Promise ? await taken : taken;
      pushRateLimitFields(answerHeaders, decision);
      if (!decision.allowed) {
        metrics.rateLimited(route.prefix);
        return refuse(
          request,
          response,
          answerHeaders,
          path,
          traceId,
          new FlotillaError('RATE_LIMITED', { retryAfterSeconds: decision.retryAfterSeconds }),
        );
      }
    }

    const contentLength = request.headers['content-length'];
    const chunked = request.headers['transfer-encoding'] !== undefined;
    if (contentLength !== undefined && Number(contentLength) > route.bodyLimit) {
      response.shouldKeepAlive = false;
      return refuse(
        request,
        response,
        answerHeaders,
        path,
        traceId,
        new FlotillaError('PAYLOAD_TOO_LARGE', { detail: `the body exceeds ${route.bodyLimit} bytes` }),
      );
    }
    const headers = endToEndHeaders(request.headers, span === undefined ? GATEWAY_SET : GATEWAY_SET_TRACED);
    forwardingHeaders(headers, request, peer);
    headers.push('x-request-id', requestId, DEADLINE_HEADER, String(route.timeoutMs));
    if (span !== undefined) {
      for (const [name, value] of Object.entries(injectTraceContext({} as Record<string, string>))) {
        headers.push(name, value);
      }
    }
    if (identity !== undefined)
      headers.push('x-auth-subject', identity.subject, 'x-auth-claims', identity.claimsHeader);
    const hasBody = chunked || (contentLength !== undefined && contentLength !== '0');
    let body: Readable | undefined;
    let bodyTooLarge = never;
    if (chunked) {
      const limited = limitBody(request, route.bodyLimit);
      body = limited.body;
      bodyTooLarge = limited.exceeded;
    } else if (hasBody) {
      body = request;
    }

    const started = performance.now();
    try {
      const result = await breakers.execute(route.service, () =>
        forwardRequest(
          {
            route,
            method,
            path: upstreamPath(route, path, target.slice(path.length)),
            headers,
            answerHeaders,
            body,
            replayable: !hasBody && REPLAYABLE.has(method),
            bodyTooLarge,
          },
          response,
          balancer,
          pools,
        ),
      );
      metrics.upstream(route.service, result.status, (performance.now() - started) / 1000);
      return result.status;
    } catch (error) {
      if (bodyTooLarge()) response.shouldKeepAlive = false;
      const mapped = isBrokenCircuit(error)
        ? new FlotillaError('CIRCUIT_OPEN', { extensions: { upstream: route.service }, retryAfterSeconds: 1 })
        : error instanceof FlotillaError
          ? error
          : new FlotillaError('BAD_GATEWAY', { extensions: { upstream: route.service } });
      if (!(error instanceof FlotillaError) && !isBrokenCircuit(error)) {
        logger.error({ err: error, upstream: route.service }, 'forwarding failed');
      }
      span?.fail(error, mapped.code);
      metrics.upstream(route.service, mapped.status, (performance.now() - started) / 1000);
      return refuse(request, response, answerHeaders, path, traceId, mapped);
    }
  }

  function forwardingHeaders(headers: string[], request: IncomingMessage, peer: string): void {
    const trusted = clientAddress.isTrusted(peer);
    const incoming = request.headers;
    const host = (trusted && single(incoming['x-forwarded-host'])) || incoming.host || '';
    const proto = (trusted && single(incoming['x-forwarded-proto'])) || 'http';
    const priorFor = trusted ? incoming['x-forwarded-for'] : undefined;
    const client = peerOf(peer);
    headers.push('x-forwarded-for', priorFor === undefined ? client : `${priorFor}, ${client}`);
    headers.push('x-forwarded-proto', proto);
    if (host !== '') headers.push('x-forwarded-host', host);
    const element = `for=${forwardedNode(client)};proto=${proto}${host === '' ? '' : `;host="${quotable(host)}"`}`;
    const priorForwarded = trusted ? single(incoming.forwarded) : undefined;
    headers.push('forwarded', priorForwarded ? `${priorForwarded}, ${element}` : element);
  }

  async function ownRoute(
    path: string,
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
  ): Promise<boolean> {
    response.setHeader('x-request-id', requestId);
    const json = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(text);
    };
    if (path === '/health/live') json(200, { status: 'pass' });
    else if (path === '/health/started') {
      if (health.started) json(200, { status: 'pass' });
      else
        writeProblem(response, new FlotillaError('NOT_READY', { detail: 'still starting' }), path, requestId);
    } else if (path === '/health/ready') {
      const report = await health.readiness();
      if (report.status === 'pass') json(200, report);
      else
        writeProblem(
          response,
          new FlotillaError('NOT_READY', {
            detail: 'a readiness check failed',
            extensions: { checks: report.checks },
          }),
          path,
          requestId,
        );
    } else if (path === '/metrics') {
      const text = await options.metrics.registry.metrics();
      response.writeHead(200, { 'content-type': options.metrics.registry.contentType });
      response.end(text);
    } else if (path === '/openapi.json') {
      json(200, await aggregateOpenApi(table.routes, balancer, pools, options.openApiTimeoutMs));
    } else if (path === '/docs') {
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      });
      response.end(DOCS_PAGE);
    } else return false;
    request.resume();
    return true;
  }

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(timeoutMs = 10_000) {
      unsubscribe();
      shedder.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
      await closed;
      clearTimeout(timer);
      await Promise.all([pools.close(), rateLimiter.close()]);
    },
  };
}

/** Answers a routed request with a problem, the gateway's answer fields included; returns its status. */
function refuse(
  request: IncomingMessage,
  response: ServerResponse,
  answerHeaders: readonly string[],
  path: string,
  traceId: string,
  error: FlotillaError,
): number {
  request.resume();
  if (!response.headersSent) {
    for (let index = 0; index < answerHeaders.length; index += 2) {
      response.setHeader(answerHeaders[index]!, answerHeaders[index + 1]!);
    }
  }
  writeProblem(response, error, path, traceId);
  return error.status;
}

function never(): boolean {
  return false;
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return path.length > 200 ? path.slice(0, 200) : path;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function peerOf(peer: string): string {
  return peer.startsWith('::ffff:') && peer.includes('.') ? peer.slice(7) : peer;
}

/** `text` fit for an RFC 7239 quoted-string (quotes and backslashes dropped). */
function quotable(text: string): string {
  return text.includes('"') || text.includes('\\') ? text.replace(/["\\]/g, '') : text;
}

/** RFC 7239 node: IPv6 addresses are bracketed and quoted. */
function forwardedNode(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}
