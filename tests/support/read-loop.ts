import type { LoadBalancer } from '@flotilla/kit/discovery';

export interface ReadRecord {
  readonly at: number;
  /** Every instance tried, in order, with the time the attempt was sent. */
  readonly attempts: readonly { readonly id: string; readonly at: number }[];
  readonly ok: boolean;
}

/**
 * A steady idempotent read load through a balancer: `GET path` on the picked instance, and on a
 * connection error (refused or reset before an answer) one more try on another instance. A
 * minimal stand-in for the service client, enough to measure what discovery alone gives.
 */
export function readLoop(balancer: LoadBalancer, service: string, path: string, concurrency = 2) {
  const records: ReadRecord[] = [];
  let running = true;
  async function one(): Promise<void> {
    const attempts: { id: string; at: number }[] = [];
    const tried = new Set<string>();
    for (let attempt = 0; attempt < 3; attempt++) {
      const instance = await balancer.pick(service, tried);
      if (!instance) break;
      attempts.push({ id: instance.id, at: Date.now() });
      tried.add(instance.id);
      const call = balancer.track(instance);
      try {
        const response = await fetch(`http://${instance.address}:${instance.port}${path}`, {
          signal: AbortSignal.timeout(2_000),
        });
        await response.arrayBuffer();
        call.done(response.ok ? 'success' : 'failure');
        records.push({ at: Date.now(), attempts, ok: response.ok });
        return;
      } catch {
        call.done('refused');
      }
    }
    records.push({ at: Date.now(), attempts, ok: false });
  }
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      await one();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  return {
    records,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}
