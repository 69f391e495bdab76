import type { LoadBalancer } from '../discovery/index.js';
import type { ResilienceSettings } from '../resilience/index.js';
import type { Logger, Tracing } from '../telemetry/index.js';
import type { ClientMetrics } from './client-metrics.js';
import { type BreakerSnapshot, createServiceClient, type ServiceClient } from './create-service-client.js';

export interface ServiceClientsOptions {
  readonly balancer: LoadBalancer;
  readonly logger?: Logger;
  readonly metrics?: ClientMetrics;
  readonly tracing?: Tracing;
  /** Per-target settings (from config); unset ones take the defaults. */
  readonly settingsFor?: (target: string) => Partial<ResilienceSettings>;
}

/** A process's clients: one per target, so one breaker, bulkhead, budget and pool set per target. */
export interface ServiceClients {
  get(target: string): ServiceClient;
  /** Every target's breaker state, for `/internal/breakers` and the dashboard. */
  breakers(): BreakerSnapshot[];
  close(): Promise<void>;
}

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
