import type { LoadBalancer } from '@flotilla/kit/discovery';
import { HealthMonitor } from '@flotilla/kit/health';
import { createLogger, createMetrics } from '@flotilla/kit/telemetry';
import { createGateway, type Gateway, type GatewayOptions } from '../create-gateway.js';
import type { JwtAuthenticator } from '../policies/auth/jwt-authenticator.js';
import { LocalRateLimiter } from '../policies/rate-limit/local-rate-limiter.js';
import type { Route } from '../routes/route.js';

export { rawRequest } from './raw-request.js';

export interface TestGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A route with test-friendly defaults; override what the test is about. */
export function testRoute(overrides: Partial<Route> & Pick<Route, 'prefix' | 'service'>): Route {
  return {
    upstreamPrefix: overrides.prefix.slice(overrides.prefix.lastIndexOf('/')),
    auth: 'public',
    timeoutMs: 2_000,
    bodyLimit: 1024,
    retries: 1,
    rateLimit: undefined,
    ...overrides,
  };
}

/** A gateway on a free loopback port over fixed routes and a given balancer. */
export async function startTestGateway(
  routes: readonly Route[],
  balancer: LoadBalancer,
  overrides: Partial<GatewayOptions> & { authenticator?: JwtAuthenticator } = {},
): Promise<TestGateway> {
  const health = new HealthMonitor({ checkTimeoutMs: 500 });
  const gateway = createGateway({
    routes: { routes: () => routes, subscribe: () => () => {} },
    balancer,
    rateLimiter: new LocalRateLimiter(),
    cors: { origins: [], credentials: false, maxAgeSeconds: 60 },
    trustedProxies: [],
    breaker: { threshold: 5, halfOpenAfterMs: 10_000 },
    pool: { connections: 8, keepAliveTimeoutMs: 1_000 },
    // Generous: test machines stall; only the shedding tests lower it.
    shedding: { maxLagMs: 5_000, maxInFlight: 1_000 },
    server: {
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 5_000,
      keepAliveTimeoutMs: 1_000,
      maxRequestsPerSocket: 0,
      maxHeaderSize: 8 * 1024,
    },
    openApiTimeoutMs: 1_000,
    logger: createLogger({ name: 'gateway', level: 'silent' }),
    metrics: createMetrics({ service: 'gateway' }),
    health,
    ...overrides,
  });
  const address = await gateway.listen(0, '127.0.0.1');
  health.markStarted();
  return {
    gateway,
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    close: () => gateway.close(1_000),
  };
}
