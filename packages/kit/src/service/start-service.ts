import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Contract, clientConfigSchema, typedClient } from '../client/index.js';
import { type ConfigSchema, type Environment, loadConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { LoadBalancer } from '../discovery/index.js';
import {
  type EventDispatcher,
  noSubscribers,
  registerEventRoutes,
  type ServiceEvents,
  type ServiceEventsOptions,
  type SubscriberDirectory,
} from '../events/index.js';
import { HealthMonitor } from '../health/index.js';
import { createHttpServer, type HttpServer } from '../http/index.js';
import { createJobsMetrics, type JobClock, JobRunner, registerJobRoutes } from '../jobs/index.js';
import {
  createLogger,
  createMetrics,
  type Logger,
  logShipperOptionsFrom,
  OtlpLogShipper,
  startTelemetry,
  telemetryOptionsFrom,
  traceLogFields,
} from '../telemetry/index.js';
import type { Assembly, BaseConfig } from './assembly.js';
import { baseConfigSchema } from './base-config.js';
import { registerBreakersRoute } from './breakers-route.js';
import { connectServices } from './connect-services.js';
import type { ServiceConfig, ServiceContext, ServiceDefinition } from './define-service.js';
import { registerHealthRoutes } from './health-routes.js';
import { Lifecycle } from './lifecycle.js';
import { listen } from './listen.js';
import { registerMetricsRoute } from './metrics-route.js';
import { openEvents } from './open-events.js';
import { openStorage } from './open-storage.js';

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
  /** The time the job runner decides due ticks by (`testClock()` in tests); the system clock otherwise. */
  readonly clock?: JobClock;
}

/** A service started in this process, by `startService` or `runService`. */
export interface RunningService<S extends ConfigSchema = ConfigSchema> {
  /** Where it listens, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Its Fastify server. */
  readonly app: HttpServer;
  /** What its routes get: its database, config, events and clients. */
  readonly context: ServiceContext<S>;
  /**
   * Runs the service's subscriptions for a delivery as its transport does (inbox, retries, dead
   * letters): `deliverEvent` in `@flotilla/kit/testing` hands events to it without a transport.
   */
  readonly dispatcher: Pick<EventDispatcher, 'deliver'>;
  /** Runs the shutdown stages once; later calls return the same promise. */
  stop(): Promise<void>;
}

/**
 * Starts a service in this process: config, logger, metrics, database and migrations, health,
 * routes, then listens. Throws ConfigError before anything is opened when the config is bad.
 *
 * @example
 * ```ts
 * const database = await testDatabase();
 * const service = await startService(billingService, { environment: { LOG_LEVEL: 'warn' }, database });
 * const response = await fetch(`${service.url}/billing/invoices`);
 * await service.stop();
 * await database.dispose();
 * ```
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
  // Made before the logger, so shipped log records name the instance as its spans do.
  const identity = { name: definition.name, version: definition.version, instanceId: randomUUID() };
  const shipping = logShipperOptionsFrom(base, identity);
  const shipper = shipping ? new OtlpLogShipper(shipping) : undefined;
  const logger = createLogger({
    name: definition.name,
    level: base.LOG_LEVEL,
    pretty: base.LOG_PRETTY,
    secrets: loaded.secrets,
    mixin: traceLogFields,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
    ...(shipper ? { ship: shipper } : {}),
  });
  const lifecycle = new Lifecycle(logger);
  if (shipper) lifecycle.onShutdown('telemetry', () => shipper.close());
  try {
    return await assemble(definition, options, config, base, logger, lifecycle, identity);
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
  identity: { name: string; version: string; instanceId: string },
): Promise<RunningService<S>> {
  const step: Assembly = { definition, options, base, logger, lifecycle };
  const metrics = createMetrics({ service: definition.name });
  const telemetry = startTelemetry(telemetryOptionsFrom(base, identity));
  lifecycle.onShutdown('telemetry', () => telemetry.shutdown());
  const health = new HealthMonitor({ checkTimeoutMs: base.HEALTH_CHECK_TIMEOUT });
  const storage = await openStorage(step, telemetry, metrics, health);
  const { db } = storage;
  const app = await createHttpServer({
    name: definition.name,
    version: definition.version,
    logger,
    metrics,
    bodyLimitBytes: base.BODY_LIMIT,
    tracing: telemetry,
    slowRequestMs: base.TRACES_SLOW_SPAN,
    ...(definition.description ? { description: definition.description } : {}),
  });
  const { registry, balancer, clients } = await connectServices(step, config, telemetry, metrics);
  const directory = options.subscriberDirectory ?? registry?.subscribers ?? noSubscribers;
  const events = await openEvents(step, storage, directory, telemetry, metrics);
  const jobs = new JobRunner({
    db,
    jobs: definition.jobs ?? [],
    logger,
    events,
    metrics: createJobsMetrics(metrics.registry),
    tracing: telemetry,
    instanceId: identity.instanceId,
    ...(options.clock ? { clock: options.clock } : {}),
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
    client: ((target: string | Contract) =>
      typeof target === 'string'
        ? clients.get(target)
        : typedClient(target, clients.get(target.service), {
            validateResponses: base.NODE_ENV !== 'production',
          })) as ServiceContext<S>['client'],
    events,
    onShutdown: (stage, task) => lifecycle.onShutdown(stage, task),
  };
  registerHealthRoutes(app, health);
  registerMetricsRoute(app, metrics);
  registerBreakersRoute(app, clients);
  registerEventRoutes(app, definition.name, events);
  registerJobRoutes(app, jobs);
  await definition.routes(app, context);

  const { url, port } = await listen(step, app);
  await startBackgroundWork(step, events, jobs);
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
  return { url, port, app, context, dispatcher: events.dispatcher, stop: () => (stopping ??= stop()) };
}

/** After listening: the embedded transport delivers to this server, and the relay may publish. */
async function startBackgroundWork(
  { base, lifecycle }: Assembly,
  events: ServiceEvents,
  jobs: JobRunner,
): Promise<void> {
  await events.startConsumers();
  lifecycle.onShutdown('consumers', () => events.stopConsumers());
  await events.relay.start();
  lifecycle.onShutdown('relay', () => events.relay.stop());
  // After the relay, so the events a run publishes leave at once; stopped with the consumers, so
  // runs end before HTTP drains and the relay's last flush sends their events.
  jobs.start();
  lifecycle.onShutdown('consumers', () => jobs.stop(base.SHUTDOWN_TIMEOUT));
}
