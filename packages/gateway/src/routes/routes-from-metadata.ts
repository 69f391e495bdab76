import { META_ROUTE_PREFIX, type ServiceInstance } from '@flotilla/kit/discovery';
import { isReserved } from '../endpoints/index.js';
import type { Route } from './route.js';
import type { RouteDefaults } from './route-defaults.js';
import { toRoute } from './to-route.js';

const PREFIX = /^(\/[A-Za-z0-9_~-]+)+$/;

/**
 * Routes declared by services in their registry metadata (`route-prefix`), for a registry-backed
 * RouteSource. A prefix that is not a plain segment path, or that lies among the gateway's own
 * paths, is ignored rather than trusted: metadata is written by any registered process.
 */
export function routesFromMetadata(instances: readonly ServiceInstance[], defaults: RouteDefaults): Route[] {
  const byPrefix = new Map<string, Route>();
  for (const instance of instances) {
    const prefix = instance.meta[META_ROUTE_PREFIX];
    if (prefix === undefined || !PREFIX.test(prefix) || isReserved(prefix) || byPrefix.has(prefix)) continue;
    byPrefix.set(prefix, toRoute({ prefix, service: instance.service }, defaults));
  }
  return [...byPrefix.values()];
}
