import type { ConfigValues } from '../config/index.js';
import {
  createRegistry,
  type DiscoveryBalancer,
  discoveryBalancer,
  keepRegistered,
  type Registry,
} from '../discovery/index.js';
import type { SubscriberDirectory } from '../events/index.js';
import type { Logger } from '../telemetry/index.js';
import type { baseConfigSchema } from './base-config.js';
import type { ServiceDefinition } from './define-service.js';
import type { Lifecycle } from './lifecycle.js';
import { registrySubscriberDirectory } from './registry-subscriber-directory.js';
import { serviceRegistration } from './service-registration.js';

export interface RegistryConnection {
  /** The discovery balancer, unless the caller brought its own. */
  readonly balancer: DiscoveryBalancer | undefined;
  /** Subscribers of this service's events on the embedded transport, found through the registry. */
  readonly subscribers: SubscriberDirectory | undefined;
  /** Registers the listening instance and keeps it registered until the `deregister` stage. */
  register(port: number): Promise<void>;
}

/**
 * Wires a service to the registry at `REGISTRY_URL`. Loaded only when one is configured, so a
 * process without a registry never loads the adapters' HTTP and DNS clients.
 */
export function connectRegistry(
  url: string,
  definition: Pick<ServiceDefinition, 'name' | 'version' | 'publicPrefix'>,
  config: ConfigValues<typeof baseConfigSchema>,
  options: { readonly logger: Logger; readonly lifecycle: Lifecycle; readonly ownBalancer: boolean },
): RegistryConnection {
  const { logger, lifecycle } = options;
  const registry: Registry = createRegistry(url, { token: config.REGISTRY_TOKEN });
  lifecycle.onShutdown('pools', () => registry.close());
  // Watchers stop in the last stage: draining requests may still call other services.
  const balancer = options.ownBalancer
    ? undefined
    : discoveryBalancer({
        registry,
        strategy: config.DISCOVERY_BALANCER,
        ejectMs: config.DISCOVERY_EJECT_TIME,
        logger,
      });
  if (balancer) lifecycle.onShutdown('pools', () => balancer.close());
  return {
    balancer,
    subscribers: balancer && registrySubscriberDirectory(registry, balancer),
    async register(port) {
      const registration = await keepRegistered(registry, serviceRegistration(definition, config, port), {
        syncIntervalMs: config.REGISTRY_SYNC_INTERVAL,
        logger,
      });
      lifecycle.onShutdown('deregister', () => registration.stop());
    },
  };
}
