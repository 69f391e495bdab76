import {
  clientMetrics,
  clientSettingsFromConfig,
  createServiceClients,
  type ServiceClients,
} from '../client/index.js';
import type { LoadBalancer } from '../discovery/index.js';
import { noInstances } from '../discovery/no-instances.js';
import type { ServiceMetrics, Telemetry } from '../telemetry/index.js';
import type { Assembly } from './assembly.js';
import type { RegistryConnection } from './connect-registry.js';

/**
 * How the service reaches others: the registry at REGISTRY_URL (loaded only when one is set), the
 * balancer that finds instances, and one resilient client per target.
 */
export async function connectServices(
  { definition, options, base, logger, lifecycle }: Assembly,
  config: unknown,
  telemetry: Telemetry,
  metrics: ServiceMetrics,
): Promise<{ registry: RegistryConnection | undefined; balancer: LoadBalancer; clients: ServiceClients }> {
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
  return { registry, balancer, clients };
}
