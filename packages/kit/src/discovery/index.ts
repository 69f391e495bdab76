/**
 * Finding other services: registries (the control plane, Consul, DNS), balancers and registration.
 *
 * @packageDocumentation
 */
export { type ConsulRegistryOptions, consulRegistry } from './consul-registry.js';
export { type CreateRegistryOptions, createRegistry } from './create-registry.js';
export {
  type BalancingStrategy,
  type DiscoveryBalancer,
  type DiscoveryBalancerOptions,
  discoveryBalancer,
} from './discovery-balancer.js';
export { type DnsLookups, type DnsRegistryOptions, dnsRegistry } from './dns-registry.js';
export { type KeepRegisteredOptions, keepRegistered, type Registration } from './keep-registered.js';
export { META_ROUTE_PREFIX, META_VERSION } from './metadata.js';
export { noInstances } from './no-instances.js';
export {
  type HealthyOptions,
  type InstanceList,
  type Registry,
  RegistryError,
  type ServiceRegistration,
} from './registry.js';
export { registryConfigSchema } from './registry-config.js';
export type { CallOutcome, LoadBalancer, ServiceInstance } from './service-instance.js';
export { ServiceWatcher, type ServiceWatcherOptions } from './service-watcher.js';
export { staticBalancer } from './static-balancer.js';
