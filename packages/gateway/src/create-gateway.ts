import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadBalancer } from '@flotilla/kit/discovery';
import type { HealthMonitor } from '@flotilla/kit/health';
import { answerClientError, answerProtocolErrors } from '@flotilla/kit/http';
import type { Logger, ServiceMetrics, Tracing } from '@flotilla/kit/telemetry';
import { ownEndpoints } from './endpoints/index.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { requestHandler } from './handle-request.js';
import { ClientAddress } from './http/client-address.js';
import { auth } from './policies/auth/index.js';
import type { JwtAuthenticator } from './policies/auth/jwt-authenticator.js';
import { bodyLimit } from './policies/body-limit/index.js';
import { breaker, type UpstreamBreakerOptions } from './policies/breaker/index.js';
import { type CorsOptions, cors } from './policies/cors/index.js';
import { errorMapping } from './policies/error-mapping/index.js';
import { upstreamHeaders } from './policies/headers/index.js';
import { pathCheck } from './policies/path-check/index.js';
import { wrap } from './policies/policy.js';
import { rateLimit } from './policies/rate-limit/index.js';
import type { RateLimiter } from './policies/rate-limit/rate-limiter.js';
import { retry } from './policies/retry/index.js';
import { LoadShedder, type LoadShedderOptions, shedding } from './policies/shedding/index.js';
import type { Route, RouteSource } from './routes/route.js';
import { RouteTable } from './routes/route-table.js';
import { forwardRequest } from './upstream/forward-request.js';
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
  readonly breaker: UpstreamBreakerOptions;
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

export function createGateway(options: GatewayOptions): Gateway {
  const { balancer, rateLimiter, authenticator, logger, tracing } = options;
  const metrics = new GatewayMetrics(options.metrics, rateLimiter);
  const addresses = new ClientAddress(options.trustedProxies);
  const shedder = new LoadShedder(options.shedding);
  const pools = new UpstreamPools(options.pool);

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

  // The one place the policies are put together, in the order a request meets them.
  const handler = requestHandler({
    front: [shedding(shedder, metrics), pathCheck()],
    endpoints: ownEndpoints({
      health: options.health,
      metrics: options.metrics,
      routes: () => table.routes,
      balancer,
      pools,
      openApiTimeoutMs: options.openApiTimeoutMs,
    }),
    match: (path) => table.match(path),
    guards: [
      cors(options.cors),
      auth(authenticator),
      rateLimit(rateLimiter, metrics),
      bodyLimit(),
      upstreamHeaders(addresses),
    ],
    send: wrap(
      [
        errorMapping(metrics, logger),
        breaker(options.breaker, (service, open) => {
          metrics.breaker(service, open);
          logger.warn({ upstream: service }, open ? 'circuit opened' : 'circuit closed');
        }),
        retry(),
      ],
      forwardRequest(balancer, pools),
    ),
    shedder,
    addresses,
    metrics,
    logger,
    tracing,
  });

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
    handler,
  );
  server.maxRequestsPerSocket = options.server.maxRequestsPerSocket;
  server.on('clientError', answerClientError);
  answerProtocolErrors(server);

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
