import type { Registry, ServiceInstance } from '@flotilla/kit/discovery';
import type { Logger } from '@flotilla/kit/telemetry';
import type { Route, RouteSource } from './route.js';
import type { RouteDefaults } from './route-defaults.js';
import { routesFromMetadata } from './routes-from-metadata.js';

export interface RegistryRouteSourceOptions {
  readonly registry: Registry;
  readonly defaults: RouteDefaults;
  readonly refreshMs: number;
  readonly logger: Logger;
}

/**
 * Routes that services declare in their registrations (`route-prefix`), re-read every `refreshMs`.
 * While the registry cannot be read the last routes stay in force: an unreachable registry must
 * not take the front door down. A service's routes go when it leaves the registry, not when its
 * instances fail their checks.
 */
export function registryRouteSource(options: RegistryRouteSourceOptions): RouteSource & { close(): void } {
  const { registry, defaults, logger } = options;
  const listeners = new Set<() => void>();
  let current: Route[] = [];
  let fingerprint = '';
  let failing = false;

  const refresh = async () => {
    try {
      const instances: ServiceInstance[] = [];
      const kept: Route[] = [];
      for (const service of await registry.services()) {
        const healthy = (await registry.healthy(service)).instances;
        instances.push(...healthy);
        // A service still registered but with no passing instance (all failing their checks under
        // load, say) keeps its routes, so that its requests are answered 503 with Retry-After by
        // the balancer finding no instance, rather than 404 as if the route never existed.
        if (healthy.length === 0) kept.push(...current.filter((route) => route.service === service));
      }
      const declared = routesFromMetadata(instances, defaults);
      const next = [...declared, ...kept.filter((route) => !declared.some((d) => d.prefix === route.prefix))];
      const nextFingerprint = next
        .map((route) => `${route.prefix}>${route.service}`)
        .sort()
        .join(',');
      if (failing) logger.info('registry readable again; routes from metadata refreshed');
      failing = false;
      if (nextFingerprint === fingerprint) return;
      current = next;
      fingerprint = nextFingerprint;
      logger.info({ routes: next.map((route) => route.prefix) }, 'routes from the registry changed');
      for (const listener of listeners) listener();
    } catch (error) {
      if (!failing)
        logger.warn({ err: error }, 'cannot read routes from the registry; keeping the last ones');
      failing = true;
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), options.refreshMs);
  timer.unref();

  return {
    routes: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => clearInterval(timer),
  };
}
