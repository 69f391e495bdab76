import type { ConfigValues } from '@flotilla/kit/config';
import type { LoadBalancer } from '@flotilla/kit/discovery';
import type { HealthMonitor } from '@flotilla/kit/health';
import type { Logger, ServiceMetrics, Tracing } from '@flotilla/kit/telemetry';
import { createGateway, type Gateway } from './create-gateway.js';
import type { gatewayConfigSchema } from './gateway-config.js';
import { JwtAuthenticator } from './policies/auth/jwt-authenticator.js';
import { LocalRateLimiter } from './policies/rate-limit/local-rate-limiter.js';
import type { RateLimiter } from './policies/rate-limit/rate-limiter.js';
import { RedisRateLimiter } from './policies/rate-limit/redis-rate-limiter.js';
import { combineRouteSources } from './routes/combine-route-sources.js';
import { fileRouteSource, RouteConfigError } from './routes/file-route-source.js';
import type { RouteSource } from './routes/route.js';
import type { RouteDefaults } from './routes/route-defaults.js';

export type GatewayConfig = ConfigValues<typeof gatewayConfigSchema>;

export interface GatewayDependencies {
  readonly balancer: LoadBalancer;
  /** Routes beside the file's (e.g. from registry metadata); the file wins on a shared prefix. */
  readonly extraRoutes?: (defaults: RouteDefaults) => RouteSource;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly health: HealthMonitor;
  /** Given when telemetry is on: routed requests are traced. */
  readonly tracing?: Tracing;
}

export function routeDefaults(config: GatewayConfig): RouteDefaults {
  return {
    auth: config.ROUTE_AUTH,
    timeoutMs: config.ROUTE_TIMEOUT,
    bodyLimit: config.BODY_LIMIT,
    retries: config.ROUTE_RETRIES,
    rateLimit:
      config.RATE_LIMIT === 0
        ? undefined
        : {
            limit: config.RATE_LIMIT,
            windowMs: config.RATE_LIMIT_WINDOW,
            burst: config.RATE_LIMIT_BURST ?? config.RATE_LIMIT,
            key: config.RATE_LIMIT_KEY,
          },
  };
}

/**
 * The gateway as its configuration describes it. Throws (RouteConfigError or Error) with a message
 * naming the setting when the routes file, a key, CORS or trusted proxies are unusable.
 */
export function gatewayFromConfig(config: GatewayConfig, dependencies: GatewayDependencies): Gateway {
  const defaults = routeDefaults(config);
  const fileRoutes: RouteSource =
    config.ROUTES_FILE === undefined
      ? { routes: () => [], subscribe: () => () => {} }
      : routesFile(config.ROUTES_FILE, defaults);
  const extra = dependencies.extraRoutes?.(defaults);
  const routes = extra === undefined ? fileRoutes : combineRouteSources(fileRoutes, extra);
  const authenticator =
    config.JWT_JWKS_URL === undefined && config.JWT_KEY === undefined
      ? undefined
      : new JwtAuthenticator({
          jwksUrl: config.JWT_JWKS_URL,
          key: config.JWT_KEY,
          algorithms: config.JWT_ALGORITHMS,
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE / 1000,
          cacheSize: config.JWT_CACHE_SIZE,
          cacheTtlMs: 300_000,
        });
  const { logger } = dependencies;
  const local = new LocalRateLimiter();
  const rateLimiter: RateLimiter =
    config.RATE_LIMIT_REDIS_URL === undefined
      ? local
      : new RedisRateLimiter(
          {
            url: config.RATE_LIMIT_REDIS_URL,
            timeoutMs: config.RATE_LIMIT_REDIS_TIMEOUT,
            onFallbackChange: (active) => {
              if (active) logger.warn('Redis rate limits unreachable: each replica enforces its own limits');
              else logger.info('Redis rate limits reachable again');
            },
          },
          local,
        );
  return createGateway({
    routes,
    balancer: dependencies.balancer,
    rateLimiter,
    ...(authenticator === undefined ? {} : { authenticator }),
    cors: { origins: config.CORS_ORIGINS, credentials: config.CORS_CREDENTIALS, maxAgeSeconds: 600 },
    trustedProxies: config.TRUSTED_PROXIES,
    breaker: { threshold: config.BREAKER_THRESHOLD, halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER },
    pool: { connections: config.UPSTREAM_CONNECTIONS, keepAliveTimeoutMs: 30_000 },
    shedding: { maxLagMs: config.SHED_EVENT_LOOP_LAG, maxInFlight: config.SHED_MAX_IN_FLIGHT },
    server: {
      headersTimeoutMs: config.HEADERS_TIMEOUT,
      requestTimeoutMs: config.REQUEST_TIMEOUT,
      keepAliveTimeoutMs: config.KEEP_ALIVE_TIMEOUT,
      maxRequestsPerSocket: config.MAX_REQUESTS_PER_SOCKET,
      maxHeaderSize: config.MAX_HEADER_SIZE,
    },
    openApiTimeoutMs: 2_000,
    logger,
    metrics: dependencies.metrics,
    health: dependencies.health,
    ...(dependencies.tracing ? { tracing: dependencies.tracing } : {}),
  });
}

/** The routes file's source; its errors name the setting, since the operator knows it by that name. */
function routesFile(path: string, defaults: RouteDefaults): RouteSource {
  try {
    return fileRouteSource(path, defaults);
  } catch (error) {
    if (error instanceof RouteConfigError) throw new RouteConfigError(`ROUTES_FILE: ${error.message}`);
    throw error;
  }
}
