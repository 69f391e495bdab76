import { env } from '../config/index.js';
import { registryConfigSchema } from '../discovery/index.js';
import { parseKafkaUrl } from '../events/transports/kafka/kafka-url.js';
import { logConfigSchema, telemetryConfigSchema } from '../telemetry/index.js';

/** Settings every service has; a service's own schema is merged over these. */
export const baseConfigSchema = {
  HOST: env.string({ default: '127.0.0.1', describe: 'interface to listen on' }),
  PORT: env.port({ default: 0, describe: 'port to listen on; 0 picks a free one' }),
  NODE_ENV: env.string({
    default: 'development',
    describe: '`production` turns off development checks, such as typed clients validating answers',
  }),
  ...logConfigSchema,
  DATABASE_URL: env.url({ protocols: ['postgres:', 'postgresql:'], optional: true, secret: true }),
  DATA_DIR: env.string({ default: '.flotilla/data', describe: 'where embedded databases live' }),
  DB_POOL_MAX: env.integer({ default: 10, min: 1, max: 1000 }),
  DB_IDLE_TIMEOUT: env.duration({ default: 30_000 }),
  DB_STATEMENT_TIMEOUT: env.duration({ default: 30_000 }),
  DB_CONNECT_TIMEOUT: env.duration({ default: 5_000 }),
  EVENTS_URL: env.url({
    protocols: ['amqp:', 'amqps:', 'nats:', 'kafka:'],
    check: { 'kafka:': parseKafkaUrl },
    optional: true,
    // Broker URLs carry credentials: also from EVENTS_URL_FILE, and masked in logs.
    secret: true,
    describe:
      'event broker (amqp:// RabbitMQ, nats:// JetStream, kafka:// Apache Kafka); unset: embedded delivery over HTTP',
  }),
  EVENTS_PREFETCH: env.integer({
    default: 100,
    min: 1,
    max: 10_000,
    describe: 'events a broker consumer holds unacknowledged at once, and its largest batch',
  }),
  BODY_LIMIT: env.integer({ default: 1024 * 1024, min: 1, describe: 'largest request body in bytes' }),
  HEALTH_CHECK_TIMEOUT: env.duration({ default: 2_000 }),
  SHUTDOWN_DELAY: env.duration({
    default: 0,
    describe: 'wait after readiness fails and the instance deregisters, before draining',
  }),
  SHUTDOWN_TIMEOUT: env.duration({ default: 10_000, describe: 'longest wait for in-flight requests' }),
  ...telemetryConfigSchema,
  ...registryConfigSchema,
  ADVERTISE_ADDRESS: env.string({
    optional: true,
    describe: 'address others reach this instance at; HOST if unset',
  }),
  SERVICE_TAGS: env.list({ default: [], describe: 'tags of this instance in the registry' }),
  REGISTRY_CHECK_INTERVAL: env.duration({
    default: 2_000,
    describe: 'how often the registry checks /health/ready',
  }),
  REGISTRY_CHECK_TIMEOUT: env.duration({ default: 1_000 }),
  REGISTRY_DEREGISTER_AFTER: env.duration({
    default: 60_000,
    describe: 'registry drops an instance critical this long',
  }),
  REGISTRY_SYNC_INTERVAL: env.duration({
    default: 15_000,
    describe: 'how often the registration is verified (anti-entropy)',
  }),
  DISCOVERY_BALANCER: env.oneOf(['least-request', 'round-robin'], { default: 'least-request' }),
  DISCOVERY_EJECT_TIME: env.duration({
    default: 10_000,
    describe: 'how long an instance that refused a connection is skipped',
  }),
};
