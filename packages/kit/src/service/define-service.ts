import type { Contract, ServiceClient, TypedClient } from '../client/index.js';
import type { ConfigSchema, ConfigValues } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { LoadBalancer } from '../discovery/index.js';
import type { ServiceEvents, Subscription } from '../events/index.js';
import type { HealthMonitor } from '../health/index.js';
import type { HttpServer } from '../http/index.js';
import type { Job } from '../jobs/index.js';
import type { Logger, ServiceMetrics, Tracing } from '../telemetry/index.js';
import type { baseConfigSchema } from './base-config.js';
import type { ShutdownStage } from './lifecycle.js';

/** A service's settings as read: the base ones every service has, and its own. */
export type ServiceConfig<S extends ConfigSchema> = ConfigValues<typeof baseConfigSchema & S>;

/** What a service's routes (and its tests, through `RunningService.context`) work with. */
export interface ServiceContext<S extends ConfigSchema = ConfigSchema> {
  /** The service's name. */
  readonly name: string;
  /** Its settings, read and checked at start. */
  readonly config: ServiceConfig<S>;
  /** Its own database, migrated: `query`, and `transaction` for writes that publish events. */
  readonly db: Database;
  /** Structured logs carrying the service's name and the current trace. */
  readonly logger: Logger;
  /** Its Prometheus registry and the standard HTTP metrics; add its own here. */
  readonly metrics: ServiceMetrics;
  /** Spans for the service's own work; requests and queries are traced already. */
  readonly tracing: Tracing;
  /** Readiness: add a check for anything the service cannot answer without. */
  readonly health: HealthMonitor;
  /** Finds instances of other services (through the registry when one is configured). */
  readonly balancer: LoadBalancer;
  /**
   * The resilient client for another service (one per target per process: its own breaker,
   * bulkhead, retry budget and keep-alive pools). Settings from `CLIENT_<TARGET>_*` for `calls`.
   * Given the target's contract instead of its name, the same client typed by the contract; its
   * answers are checked against it unless `NODE_ENV` is `production` (docs/clients.md).
   *
   * @example
   * ```ts
   * const user = await context.client(usersApi).get('/users/:id', { params: { id } });
   * ```
   */
  client(target: string): ServiceClient;
  /** The client for the service whose contract this is, typed by it. */
  client<C extends Contract>(contract: C): TypedClient<C>;
  /** Publish in a `db.transaction` with its `tx`; subscribe before the service starts consuming. */
  readonly events: Pick<ServiceEvents, 'publish' | 'subscribe'>;
  /** Registers work to do when the process stops, in the stage it belongs to. */
  onShutdown(stage: ShutdownStage, task: () => Promise<void>): void;
}

/** Everything a service declares; the kit supplies the rest. */
export interface ServiceDefinition<S extends ConfigSchema = ConfigSchema> {
  /** How the registry, the gateway, logs, metrics and traces name it; lower-case words and dashes. */
  readonly name: string;
  /** Its own semver version, shown in the registry and the OpenAPI document. */
  readonly version: string;
  /** One sentence for the registry and the OpenAPI document. */
  readonly description?: string;
  /** Public path prefix the gateway routes to this service, e.g. `/api/users`. */
  readonly publicPrefix?: string;
  /** Services this one calls; each gets its `CLIENT_<TARGET>_*` settings (docs/resilience.md). */
  readonly calls?: readonly string[];
  /** The service's own settings, merged over the base ones every service has. */
  readonly config?: S;
  /** Directory of ordered `*.sql` files, applied at start. */
  readonly migrations?: URL;
  /** Event subscriptions (see `subscription()` in the kit's events); `context.events.subscribe` adds more. */
  readonly subscriptions?: readonly Subscription[];
  /** Scheduled jobs (see `schedule()` in the kit's jobs): each tick runs once across all instances. */
  readonly jobs?: readonly Job[];
  /** Declares the HTTP routes on the service's server; `context` holds its database, events, clients. */
  readonly routes: (app: HttpServer, context: ServiceContext<S>) => void | Promise<void>;
}

/**
 * Declares a service: what it is called, its routes, migrations, subscriptions and jobs. Nothing
 * runs until `runService` (a process's entry) or `startService` (a test) is given the definition.
 *
 * @example
 * ```ts
 * export const billingService = defineService({
 *   name: 'billing',
 *   version: '0.1.0',
 *   publicPrefix: '/api/billing',
 *   migrations: new URL('../migrations/', import.meta.url),
 *   subscriptions: [chargeOrders],
 *   jobs: [sendInvoices],
 *   routes: (app, { db }) => {
 *     app.get('/billing/invoices', async () => (await db.query('select * from invoices')).rows);
 *   },
 * });
 * ```
 */
export function defineService<S extends ConfigSchema>(
  definition: ServiceDefinition<S>,
): ServiceDefinition<S> {
  return definition;
}
