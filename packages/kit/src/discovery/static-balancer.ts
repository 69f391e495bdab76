import type { LoadBalancer, ServiceInstance } from './service-instance.js';

/**
 * A LoadBalancer over a fixed list of instances, for processes and tests without a registry:
 * round-robin, honouring `exclude`, learning nothing from outcomes.
 */
export function staticBalancer(instances: Readonly<Record<string, readonly string[]>>): LoadBalancer {
  const byService = new Map<string, ServiceInstance[]>();
  for (const [service, urls] of Object.entries(instances)) {
    byService.set(
      service,
      urls.map((url, index) => {
        const { hostname, port } = new URL(url);
        return {
          id: `${service}-${index}`,
          service,
          address: hostname,
          port: Number(port),
          tags: [],
          meta: {},
        };
      }),
    );
  }
  let turn = 0;
  return {
    async pick(service, exclude) {
      const all = byService.get(service) ?? [];
      const fresh = all.filter((instance) => !exclude?.has(instance.id));
      const candidates = fresh.length > 0 ? fresh : all;
      return candidates[turn++ % Math.max(1, candidates.length)];
    },
    track() {
      return { done() {} };
    },
  };
}
