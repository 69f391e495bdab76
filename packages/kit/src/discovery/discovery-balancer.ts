import type { Logger } from '../telemetry/index.js';
import type { Registry } from './registry.js';
import type { CallOutcome, LoadBalancer, ServiceInstance } from './service-instance.js';
import { ServiceWatcher } from './service-watcher.js';

/** How a balancer picks among a service's passing instances. */
export type BalancingStrategy = 'round-robin' | 'least-request';

/** How a discovery balancer watches the registry and picks. */
export interface DiscoveryBalancerOptions {
  /** Where the instances are found. */
  readonly registry: Registry;
  /**
   * `least-request`: of two instances chosen at random, the one with fewer calls in flight (the
   * power of two choices, as Envoy's LEAST_REQUEST); `round-robin`: each in turn.
   */
  readonly strategy?: BalancingStrategy;
  /** How long an instance that refused a connection is skipped. */
  readonly ejectMs?: number;
  /** Longest wait of the first pick of a service for the registry's first answer. */
  readonly firstAnswerTimeoutMs?: number;
  /** Longest wait of one blocking query to the registry. */
  readonly waitMs?: number;
  /** Where changes of the instance lists are logged. */
  readonly logger?: Logger;
  /** The time, in ms; tests bring their own. */
  readonly clock?: () => number;
  /** Random numbers in [0, 1) for `least-request`; tests bring their own. */
  readonly random?: () => number;
}

/** A load balancer over the registry's passing instances, watched as they change. */
export interface DiscoveryBalancer extends LoadBalancer {
  /** The watcher of `service` (started on first use), for status pages and tests. */
  watcher(service: string): ServiceWatcher;
  /** Stops every watcher. */
  close(): Promise<void>;
}

/**
 * Client-side balancing over the passing instances the registry reports, one watcher per service
 * asked for. An instance that refuses a connection is ejected for `ejectMs` at once, without
 * waiting for the registry's check to notice. When every instance is ejected the ejections are
 * ignored (Envoy's panic mode): trying a possibly-recovered instance beats failing for sure.
 */
export function discoveryBalancer(options: DiscoveryBalancerOptions): DiscoveryBalancer {
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const ejectMs = options.ejectMs ?? 10_000;
  const strategy = options.strategy ?? 'least-request';
  const watchers = new Map<string, ServiceWatcher>();
  const outstanding = new Map<string, number>();
  const ejectedUntil = new Map<string, number>();
  const turns = new Map<string, number>();

  function watcher(service: string): ServiceWatcher {
    let found = watchers.get(service);
    if (!found) {
      found = new ServiceWatcher({
        registry: options.registry,
        service,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }),
      }).start();
      watchers.set(service, found);
    }
    return found;
  }

  function available(all: readonly ServiceInstance[]): readonly ServiceInstance[] {
    const now = clock();
    const healthy = all.filter((instance) => {
      const until = ejectedUntil.get(instance.id);
      if (until === undefined) return true;
      if (until > now) return false;
      ejectedUntil.delete(instance.id);
      return true;
    });
    return healthy.length > 0 ? healthy : all;
  }

  function choose(service: string, candidates: readonly ServiceInstance[]): ServiceInstance | undefined {
    if (candidates.length <= 1) return candidates[0];
    if (strategy === 'round-robin') {
      const turn = turns.get(service) ?? 0;
      turns.set(service, turn + 1);
      return candidates[turn % candidates.length];
    }
    const first = Math.floor(random() * candidates.length);
    const second = (first + 1 + Math.floor(random() * (candidates.length - 1))) % candidates.length;
    const a = candidates[first]!;
    const b = candidates[second]!;
    return (outstanding.get(b.id) ?? 0) < (outstanding.get(a.id) ?? 0) ? b : a;
  }

  return {
    watcher,
    async pick(service, exclude) {
      const watched = watcher(service);
      if (!watched.answered) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          watched.firstAnswer(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, options.firstAnswerTimeoutMs ?? 5_000);
          }),
        ]);
        clearTimeout(timer);
      }
      const pool = available(watched.instances);
      const fresh = exclude && exclude.size > 0 ? pool.filter((instance) => !exclude.has(instance.id)) : pool;
      return choose(service, fresh.length > 0 ? fresh : pool);
    },
    track(instance) {
      outstanding.set(instance.id, (outstanding.get(instance.id) ?? 0) + 1);
      let finished = false;
      return {
        done(outcome: CallOutcome) {
          if (finished) return;
          finished = true;
          const left = (outstanding.get(instance.id) ?? 1) - 1;
          if (left > 0) outstanding.set(instance.id, left);
          else outstanding.delete(instance.id);
          if (outcome === 'refused') {
            ejectedUntil.set(instance.id, clock() + ejectMs);
            options.logger?.warn(
              { service: instance.service, instance: instance.id, ejectMs },
              'instance refused a connection; ejected',
            );
          }
        },
      };
    },
    async close() {
      await Promise.all([...watchers.values()].map((watched) => watched.stop()));
      watchers.clear();
    },
  };
}
