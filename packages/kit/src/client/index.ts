/**
 * Calling other services: the resilient `ServiceClient`, typed by a service's contract (`defineContract`,
 * `typedClient`).
 *
 * @packageDocumentation
 */
export { clientConfigPrefix, clientConfigSchema, clientSettingsFromConfig } from './client-config-schema.js';
export { type ClientMetrics, clientMetrics } from './client-metrics.js';
export {
  type Contract,
  contractRoute,
  defineContract,
  type HttpMethod,
  type PathParamNames,
  type RequestOf,
  type ResponseOf,
  type RouteKey,
  type RouteSchema,
  type RouteTable,
  type ServedRoute,
} from './contract.js';
export {
  type BreakerSnapshot,
  type CallOptions,
  createServiceClient,
  type ServiceClient,
  type ServiceClientOptions,
} from './create-service-client.js';
export { createServiceClients, type ServiceClients, type ServiceClientsOptions } from './service-clients.js';
export { CONNECTION_ERRORS, parseRetryAfter } from './to-upstream-error.js';
export {
  type TypedCall,
  type TypedCallOptions,
  type TypedClient,
  type TypedClientOptions,
  typedClient,
} from './typed-client.js';
