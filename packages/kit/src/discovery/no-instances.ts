import type { LoadBalancer } from './service-instance.js';

/** The balancer of a process with no registry configured: it knows no other service. */
export const noInstances: LoadBalancer = {
  async pick() {
    return undefined;
  },
  track() {
    return { done() {} };
  },
};
