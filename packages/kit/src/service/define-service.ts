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

export type ServiceConfig<S extends ConfigSchema> = ConfigValues<typeof baseConfigSchema & S>;

export interface ServiceContext<S extends ConfigSchema = ConfigSchema> {
  readonly name: string;
  readonly config: ServiceConfig<S>;
  readonly db: Database;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  /** Spans for the service's own work; requests and queries are traced already. */
  readonly tracing: Tracing;
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
  client<C extends Contract>(contract: C): TypedClient<C>;
  /** Publish in a `db.transaction` with its `tx`; subscribe before the service starts consuming. */
  readonly events: Pick<ServiceEvents, 'publish' | 'subscribe'>;
  /** Registers work to do when the process stops, in the stage it belongs to. */
  onShutdown(stage: ShutdownStage, task: () => Promise<void>): void;
}

/** Everything a service declares; the kit supplies the rest. */
export interface ServiceDefinition<S extends ConfigSchema = ConfigSchema> {
  readonly name: string;
  readonly version: string;
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
  readonly routes: (app: HttpServer, context: ServiceContext<S>) => void | Promise<void>;
}

export function defineService<S extends ConfigSchema>(
  definition: ServiceDefinition<S>,
): ServiceDefinition<S> {
  return definition;
}
