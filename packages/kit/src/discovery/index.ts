export { META_ROUTE_PREFIX, META_VERSION } from './metadata.js';
export { noInstances } from './no-instances.js';
export type { CallOutcome, LoadBalancer, ServiceInstance } from './service-instance.js';
