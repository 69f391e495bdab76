import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  clientConfigSchema,
  clientMetrics,
  clientSettingsFromConfig,
  createServiceClients,
} from '../client/index.js';
import { type ConfigSchema, type ConfigValues, type Environment, loadConfig } from '../config/index.js';
import { type Database, migrate, openDatabase, registerPoolGauges, traceDatabase } from '../db/index.js';
import type { LoadBalancer } from '../discovery/index.js';
import { noInstances } from '../discovery/no-instances.js';
import {
  createEventsMetrics,
  noSubscribers,
  openTransport,
  registerEventGauges,
  registerEventRoutes,
  runEventMigrations,
  ServiceEvents,
  type ServiceEventsOptions,
  type SubscriberDirectory,
} from '../events/index.js';
import { HealthMonitor } from '../health/index.js';
import { createHttpServer, type HttpServer, urlHost } from '../http/index.js';
import { createJobsMetrics, JobRunner, registerJobRoutes, runJobMigrations } from '../jobs/index.js';
import {
  createLogger,
  createMetrics,
  type Logger,
  startTelemetry,
  telemetryOptionsFrom,
  traceLogFields,
} from '../telemetry/index.js';
import { baseConfigSchema } from './base-config.js';
import { registerBreakersRoute } from './breakers-route.js';
import type { ServiceConfig, ServiceContext, ServiceDefinition } from './define-service.js';
import { registerHealthRoutes } from './health-routes.js';
import { Lifecycle } from './lifecycle.js';
import { registerMetricsRoute } from './metrics-route.js';

type BaseConfig = ConfigValues<typeof baseConfigSchema>;

export interface StartServiceOptions {
  readonly environment: Environment;
  /** A database opened by the caller (tests); otherwise one is opened from DATABASE_URL / DATA_DIR. */
  readonly database?: Database;
  /** How this service finds others; tests pass a fixed one. Without it and without a registry: none. */
  readonly balancer?: LoadBalancer;
  /** Who subscribes to which events, for the embedded transport; without it nobody does. */
  readonly subscriberDirectory?: SubscriberDirectory;
  /** Relay and consumer tuning (tests use short intervals). */
  readonly events?: Pick<ServiceEventsOptions, 'relay' | 'consumer'>;
  /** Where log lines go; stdout by default. */
  readonly logDestination?: NodeJS.WritableStream;
}

export interface RunningService<S extends ConfigSchema = ConfigSchema> {
  readonly url: string;
  readonly port: number;
  readonly app: HttpServer;
  readonly context: ServiceContext<S>;
  /** Runs the shutdown stages once; later calls return the same promise. */
  stop(): Promise<void>;
}

/**
 * Starts a service in this process: config, logger, metrics, database and migrations, health,
 * routes, then listens. Throws ConfigError before anything is opened when the config is bad.
 */
export async function startService<S extends ConfigSchema>(
  definition: ServiceDefinition<S>,
  options: StartServiceOptions,
): Promise<RunningService<S>> {
  const clientSchemas = Object.assign({}, ...(definition.calls ?? []).map(clientConfigSchema));
  const schema = { ...baseConfigSchema, ...clientSchemas, ...definition.config } as typeof baseConfigSchema &
    S;
  const loaded = loadConfig(schema, options.environment, { subject: definition.name });
  const config = loaded.values as ServiceConfig<S>;
  // The kit reads only the base settings; TypeScript cannot see them through the generic merge.
  const base = loaded.values as BaseConfig;
  const logger = createLogger({
    name: definition.name,
    level: base.LOG_LEVEL,
    pretty: base.LOG_PRETTY,
    secrets: loaded.secrets,
    mixin: traceLogFields,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const lifecycle = new Lifecycle(logger);
  try {
    return await assemble(definition, options, config, base, logger, lifecycle);
  } catch (error) {
    await lifecycle.shutdown();
    throw error;
  }
}

async function assemble<S extends ConfigSchema>(
  definition: ServiceDefinition<S>,
  options: StartServiceOptions,
  config: ServiceConfig<S>,
  base: BaseConfig,
  logger: Logger,
  lifecycle: Lifecycle,
): Promise<RunningService<S>> {
  const metrics = createMetrics({ service: definition.name });
  const instanceId = randomUUID();
  const telemetry = startTelemetry(
    telemetryOptionsFrom(base, { name: definition.name, version: definition.version, instanceId }),
  );
  lifecycle.onShutdown('telemetry', () => telemetry.shutdown());
  const health = new HealthMonitor({ checkTimeoutMs: base.HEALTH_CHECK_TIMEOUT });

  const ownDb = options.database ?? (await openOwnDatabase(definition.name, base, logger));
  if (!options.database) lifecycle.onShutdown('pools', () => ownDb.close());
  const db = traceDatabase(ownDb, telemetry);
  health.addCheck('database', () => db.ping());
  registerPoolGauges(metrics.registry, ownDb);
  const eventMigrations = await runEventMigrations(db);
  if (eventMigrations.applied.length > 0) logger.info(eventMigrations, 'event migrations applied');
  const jobMigrations = await runJobMigrations(db);
  if (jobMigrations.applied.length > 0) logger.info(jobMigrations, 'job migrations applied');
  if (definition.migrations) {
    const { applied } = await migrate(db, {
      directory: fileURLToPath(definition.migrations),
      lockKey: `flotilla:${definition.name}`,
    });
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  }

  const app = await createHttpServer({
    name: definition.name,
    version: definition.version,
    logger,
    metrics,
    bodyLimitBytes: base.BODY_LIMIT,
    tracing: telemetry,
    // Probes and the dashboard's scrapes, every few seconds: not traffic worth a trace.
    untracedRoutes: [
      '/health/live',
      '/health/ready',
      '/health/started',
      '/metrics',
      '/openapi.json',
      '/internal/breakers',
      '/events/subscriptions',
      '/events/outbox',
      '/events/dead-letters',
      '/jobs',
    ],
    ...(definition.description ? { description: definition.description } : {}),
  });
  const registry = base.REGISTRY_URL
    ? (await import('./connect-registry.js')).connectRegistry(base.REGISTRY_URL, definition, base, {
        logger,
        lifecycle,
        ownBalancer: options.balancer !== undefined,
      })
    : undefined;
  const balancer = options.balancer ?? registry?.balancer ?? noInstances;
  const clients = createServiceClients({
    balancer,
    logger,
    metrics: clientMetrics(metrics.registry),
    tracing: telemetry,
    settingsFor: (target) => clientSettingsFromConfig(config as Record<string, unknown>, target),
  });
  lifecycle.onShutdown('pools', () => clients.close());
  const transport = await openTransport({
    url: base.EVENTS_URL,
    db,
    directory: options.subscriberDirectory ?? registry?.subscribers ?? noSubscribers,
    onError: (error) => logger.warn({ err: error }, 'event transport error'),
  });
  lifecycle.onShutdown('relay', () => transport.close());
  const events = new ServiceEvents({
    service: definition.name,
    db,
    transport,
    logger,
    metrics: createEventsMetrics(metrics.registry),
    tracing: telemetry,
    ...options.events,
    consumer: { prefetch: base.EVENTS_PREFETCH, ...options.events?.consumer },
  });
  registerEventGauges(metrics.registry, ownDb);
  for (const entry of definition.subscriptions ?? []) events.dispatcher.add(entry);
  const jobs = new JobRunner({
    db,
    jobs: definition.jobs ?? [],
    logger,
    events,
    metrics: createJobsMetrics(metrics.registry),
    tracing: telemetry,
    instanceId,
  });
  const context: ServiceContext<S> = {
    name: definition.name,
    config,
    db,
    logger,
    metrics,
    tracing: telemetry,
    health,
    balancer,
    client: (target) => clients.get(target),
    events,
    onShutdown: (stage, task) => lifecycle.onShutdown(stage, task),
  };
  registerHealthRoutes(app, health);
  registerMetricsRoute(app, metrics);
  registerBreakersRoute(app, clients);
  registerEventRoutes(app, definition.name, events);
  registerJobRoutes(app, jobs);
  await definition.routes(app, context);

  lifecycle.onShutdown('http', () => drain(app, base.SHUTDOWN_TIMEOUT, logger));
  await app.listen({ host: base.HOST, port: base.PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : base.PORT;
  const url = `http://${urlHost(base.HOST)}:${port}`;
  // After listening: the embedded transport delivers to this server, and the relay may publish.
  await events.startConsumers();
  lifecycle.onShutdown('consumers', () => events.stopConsumers());
  await events.relay.start();
  lifecycle.onShutdown('relay', () => events.relay.stop());
  // After the relay, so the events a run publishes leave at once; stopped with the consumers, so
  // runs end before HTTP drains and the relay's last flush sends their events.
  jobs.start();
  lifecycle.onShutdown('consumers', () => jobs.stop(base.SHUTDOWN_TIMEOUT));
  health.markStarted();
  logger.info({ url, version: definition.version }, `${definition.name} listening`);
  // Tasks of a stage run last-registered first: this pause comes after the deregistration registered
  // below, giving callers time to see the instance gone (the registry's watchers, or a load balancer
  // following readiness) before it stops accepting.
  if (base.SHUTDOWN_DELAY > 0) lifecycle.onShutdown('deregister', () => sleep(base.SHUTDOWN_DELAY));
  await registry?.register(port);

  const stop = async () => {
    health.markShuttingDown();
    await lifecycle.shutdown();
  };
  let stopping: Promise<void> | undefined;
  return { url, port, app, context, stop: () => (stopping ??= stop()) };
}

async function openOwnDatabase(name: string, config: BaseConfig, logger: Logger) {
  return openDatabase({
    ...(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: join(config.DATA_DIR, name) }),
    pool: {
      max: config.DB_POOL_MAX,
      idleTimeoutMs: config.DB_IDLE_TIMEOUT,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT,
      connectionTimeoutMs: config.DB_CONNECT_TIMEOUT,
    },
    onError: (error: unknown) => logger.error({ err: error }, 'database pool error'),
  });
}

/** Stops accepting, lets in-flight requests finish, and cuts whatever is still open at the deadline. */
async function drain(app: HttpServer, timeoutMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), timeoutMs);
  });
  // Closing drops the connections idle at that moment; one busy then turns idle when its request
  // ends, and keep-alive would hold it open until the deadline. Deregistered by now, the instance
  // gets no new requests, so idle connections are dropped as they appear.
  const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
  const outcome = await Promise.race([app.close().then(() => 'drained' as const), deadline]);
  clearTimeout(timer);
  clearInterval(sweep);
  if (outcome === 'deadline') {
    logger.warn({ timeoutMs }, 'drain deadline reached; closing remaining connections');
    app.server.closeAllConnections();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
