import type { LoadBalancer } from '../discovery/index.js';
import type { ResilienceSettings } from '../resilience/index.js';
import type { Logger, Tracing } from '../telemetry/index.js';
import type { ClientMetrics } from './client-metrics.js';
import { type BreakerSnapshot, createServiceClient, type ServiceClient } from './create-service-client.js';

/** What every client of a process shares. */
export interface ServiceClientsOptions {
  /** Picks the instance of each call. */
  readonly balancer: LoadBalancer;
  /** Where the clients log. */
  readonly logger?: Logger;
  /** The clients' call metrics. */
  readonly metrics?: ClientMetrics;
  /** A span per call and per attempt. */
  readonly tracing?: Tracing;
  /** Per-target settings (from config); unset ones take the defaults. */
  readonly settingsFor?: (target: string) => Partial<ResilienceSettings>;
}

/** A process's clients: one per target, so one breaker, bulkhead, budget and pool set per target. */
export interface ServiceClients {
  /** The client of `target`, made on first use. */
  get(target: string): ServiceClient;
  /** Every target's breaker state, for `/internal/breakers` and the dashboard. */
  breakers(): BreakerSnapshot[];
  /** Closes every client's connections. */
  close(): Promise<void>;
}

/** One client per target, made on first use and kept; `startService` makes the one behind `context.client`. */
export function createServiceClients(options: ServiceClientsOptions): ServiceClients {
  const clients = new Map<string, ServiceClient>();
  return {
    get(target) {
      let client = clients.get(target);
      if (!client) {
        client = createServiceClient(target, {
          balancer: options.balancer,
          settings: options.settingsFor?.(target) ?? {},
          ...(options.logger ? { logger: options.logger } : {}),
          ...(options.metrics ? { metrics: options.metrics } : {}),
          ...(options.tracing ? { tracing: options.tracing } : {}),
        });
        clients.set(target, client);
      }
      return client;
    },
    breakers: () => [...clients.values()].map((client) => client.breaker()),
    async close() {
      await Promise.all([...clients.values()].map((client) => client.close()));
    },
  };
}
