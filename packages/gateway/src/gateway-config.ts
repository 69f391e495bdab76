import { env } from '@flotilla/kit/config';
import { registryConfigSchema } from '@flotilla/kit/discovery';
import { logConfigSchema, telemetryConfigSchema } from '@flotilla/kit/telemetry';

/** Every setting of the gateway process; `main.ts` loads it from the environment. */
export const gatewayConfigSchema = {
  HOST: env.string({ default: '127.0.0.1', describe: 'interface to listen on' }),
  PORT: env.port({ default: 8080 }),
  ...logConfigSchema,
  ROUTES_FILE: env.string({ optional: true, describe: 'path of the JSON routes file' }),
  // Upstream instances, and with Consul the route-prefix metadata, are found there.
  ...registryConfigSchema,
  REGISTRY_ROUTES_REFRESH: env.duration({
    default: 2_000,
    describe: 'how often registry routes are re-read',
  }),
  UPSTREAMS: env.list({
    default: [],
    describe: 'static instances as service=http://host:port, when no registry is configured',
  }),
  ROUTE_AUTH: env.oneOf(['public', 'protected'], { default: 'public', describe: 'default auth of a route' }),
  ROUTE_TIMEOUT: env.duration({ default: 10_000 }),
  ROUTE_RETRIES: env.integer({ default: 1, min: 0, max: 5 }),
  BODY_LIMIT: env.integer({ default: 1024 * 1024, min: 0, describe: 'largest request body in bytes' }),
  RATE_LIMIT: env.integer({
    default: 100,
    min: 0,
    describe: 'requests per RATE_LIMIT_WINDOW per client; 0: off',
  }),
  RATE_LIMIT_WINDOW: env.duration({ default: 60_000 }),
  RATE_LIMIT_BURST: env.integer({ optional: true, min: 1, describe: 'bucket size; RATE_LIMIT by default' }),
  RATE_LIMIT_KEY: env.oneOf(['ip', 'subject', 'api-key'], { default: 'subject' }),
  RATE_LIMIT_REDIS_URL: env.url({
    protocols: ['redis:', 'rediss:'],
    optional: true,
    // It carries Redis's password: also from RATE_LIMIT_REDIS_URL_FILE, and masked in logs.
    secret: true,
  }),
  RATE_LIMIT_REDIS_TIMEOUT: env.duration({ default: 100 }),
  TRUSTED_PROXIES: env.list({ default: [], describe: 'addresses/CIDRs whose X-Forwarded-* are believed' }),
  JWT_JWKS_URL: env.url({ protocols: ['http:', 'https:'], optional: true }),
  JWT_KEY: env.secret({ optional: true, describe: 'PEM public key, or HMAC secret for HS* algorithms' }),
  JWT_ALGORITHMS: env.list({ default: ['RS256', 'ES256', 'EdDSA'] }),
  JWT_ISSUER: env.string({ optional: true }),
  JWT_AUDIENCE: env.string({ optional: true }),
  JWT_CLOCK_TOLERANCE: env.duration({ default: 5_000 }),
  JWT_CACHE_SIZE: env.integer({ default: 10_000, min: 0 }),
  CORS_ORIGINS: env.list({ default: [] }),
  CORS_CREDENTIALS: env.boolean({ default: false }),
  BREAKER_THRESHOLD: env.integer({ default: 5, min: 1 }),
  BREAKER_HALF_OPEN_AFTER: env.duration({ default: 10_000 }),
  UPSTREAM_CONNECTIONS: env.integer({ default: 128, min: 1 }),
  SHED_EVENT_LOOP_LAG: env.duration({
    default: 200,
    describe: 'event-loop lag above which requests get 503',
  }),
  SHED_MAX_IN_FLIGHT: env.integer({ default: 10_000, min: 1 }),
  HEADERS_TIMEOUT: env.duration({ default: 10_000 }),
  REQUEST_TIMEOUT: env.duration({ default: 30_000 }),
  KEEP_ALIVE_TIMEOUT: env.duration({ default: 5_000 }),
  MAX_REQUESTS_PER_SOCKET: env.integer({ default: 0, min: 0 }),
  MAX_HEADER_SIZE: env.integer({ default: 16 * 1024, min: 1024 }),
  HEALTH_CHECK_TIMEOUT: env.duration({ default: 2_000 }),
  SHUTDOWN_TIMEOUT: env.duration({ default: 10_000 }),
  ...telemetryConfigSchema,
};
