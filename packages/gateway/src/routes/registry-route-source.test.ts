import type { InstanceList, Registry, ServiceInstance } from '@flotilla/kit/discovery';
import { createLogger } from '@flotilla/kit/telemetry';
import { describe, expect, it } from 'vitest';
import { registryRouteSource } from './registry-route-source.js';

const orders: ServiceInstance = {
  id: 'orders-1',
  service: 'orders',
  address: '127.0.0.1',
  port: 1,
  tags: [],
  meta: { 'route-prefix': '/api/orders' },
};

/** A registry whose listing the test sets: registered services, and which of them pass. */
function fakeRegistry(state: { registered: string[]; passing: ServiceInstance[]; listed: number }): Registry {
  return {
    kind: 'consul',
    register: async () => {},
    deregister: async () => {},
    isRegistered: async () => true,
    services: async () => {
      state.listed++;
      return [...state.registered];
    },
    healthy: async (service): Promise<InstanceList> => ({
      instances: state.passing.filter((instance) => instance.service === service),
      index: undefined,
    }),
    close: async () => {},
  };
}

describe('routes from the registry', () => {
  it('keeps the routes of a registered service whose instances all fail, and drops them when it leaves', async () => {
    const state = { registered: ['orders'], passing: [orders], listed: 0 };
    const source = registryRouteSource({
      registry: fakeRegistry(state),
      defaults: { auth: 'public', timeoutMs: 1000, bodyLimit: 1000, retries: 0, rateLimit: undefined },
      refreshMs: 10,
      logger: createLogger({ name: 'gateway', level: 'silent' }),
    });
    const prefixes = () => source.routes().map((route) => route.prefix);
    await expect.poll(prefixes).toEqual(['/api/orders']);
    let changes = 0;
    source.subscribe(() => changes++);
    state.passing = [];
    // Every check failing: three refreshes later the route is still there, unchanged.
    const listedBefore = state.listed;
    await expect.poll(() => state.listed - listedBefore).toBeGreaterThanOrEqual(3);
    expect(prefixes()).toEqual(['/api/orders']);
    expect(changes).toBe(0);
    state.registered = [];
    await expect.poll(prefixes).toEqual([]);
    source.close();
  });
});
