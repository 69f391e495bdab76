import type { LoadBalancer, Registry } from '../discovery/index.js';
import {
  type HttpSubscriberDirectoryOptions,
  httpSubscriberDirectory,
  type Subscriber,
  type SubscriberDirectory,
} from '../events/index.js';
import { urlHost } from '../http/index.js';

/**
 * The embedded transport's directory in a running system: every service in the registry is asked
 * for its subscriptions through one of its passing instances. A service with no passing instance
 * keeps its last known address, so delivery to it fails and is retried rather than skipped. While
 * the registry itself cannot be read, the services it listed last are asked (through the
 * balancer's cached instances): a registry outage must not hold up, nor use up the delivery
 * attempts of, events whose subscribers are running fine.
 */
export function registrySubscriberDirectory(
  registry: Registry,
  balancer: LoadBalancer,
  options: Pick<HttpSubscriberDirectoryOptions, 'clock'> = {},
): SubscriberDirectory {
  const lastUrl = new Map<string, string>();
  let lastServices: readonly string[] | undefined;
  const services = async () => {
    try {
      lastServices = await registry.services();
    } catch (error) {
      if (lastServices === undefined) throw error;
    }
    return lastServices;
  };
  return httpSubscriberDirectory({
    ...options,
    async instances() {
      const subscribers: Subscriber[] = [];
      for (const service of await services()) {
        const instance = await balancer.pick(service);
        if (instance) {
          lastUrl.set(service, `http://${urlHost(instance.address)}:${instance.port}`);
        }
        const url = lastUrl.get(service);
        if (url) subscribers.push({ service, url });
      }
      return subscribers;
    },
  });
}
