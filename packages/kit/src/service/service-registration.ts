import { randomBytes } from 'node:crypto';
import type { ConfigValues } from '../config/index.js';
import { META_ROUTE_PREFIX, META_VERSION, type ServiceRegistration } from '../discovery/index.js';
import { urlHost } from '../http/index.js';
import type { baseConfigSchema } from './base-config.js';
import type { ServiceDefinition } from './define-service.js';

/** How a started service describes itself to the registry: a fresh id per process. */
export function serviceRegistration(
  definition: Pick<ServiceDefinition, 'name' | 'version' | 'publicPrefix'>,
  config: ConfigValues<typeof baseConfigSchema>,
  port: number,
): ServiceRegistration {
  const address = config.ADVERTISE_ADDRESS ?? config.HOST;
  const host = urlHost(address);
  return {
    id: `${definition.name}-${randomBytes(4).toString('hex')}`,
    name: definition.name,
    address,
    port,
    tags: config.SERVICE_TAGS,
    meta: {
      [META_VERSION]: definition.version,
      ...(definition.publicPrefix ? { [META_ROUTE_PREFIX]: definition.publicPrefix } : {}),
    },
    check: {
      http: `http://${host}:${port}/health/ready`,
      intervalMs: config.REGISTRY_CHECK_INTERVAL,
      timeoutMs: config.REGISTRY_CHECK_TIMEOUT,
      deregisterAfterMs: config.REGISTRY_DEREGISTER_AFTER,
    },
  };
}
