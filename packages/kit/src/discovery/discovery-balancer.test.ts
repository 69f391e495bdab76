import { describe, expect, it } from 'vitest';
import { discoveryBalancer } from './discovery-balancer.js';
import type { HealthyOptions, InstanceList, Registry } from './registry.js';
import { RegistryError } from './registry.js';
import type { ServiceInstance } from './service-instance.js';
import { ServiceWatcher } from './service-watcher.js';

/** A registry whose answers the test sets; blocking queries wait for `publish`. */
function scriptedRegistry() {
  let instances: ServiceInstance[] = [];
  let index = 1;
  let down = false;
  let calls = 0;
  let wake: () => void = () => {};
  const registry: Registry = {
    services: async () => [],
    kind: 'consul',
    async register() {},
    async deregister() {},
    async isRegistered() {
      return true;
    },
    async healthy(_service: string, options: HealthyOptions = {}): Promise<InstanceList> {
      calls += 1;
      if (down) throw new RegistryError('registry unreachable: ECONNREFUSED');
      if (options.index !== undefined && Number(options.index) >= index) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          options.signal?.addEventListener('abort', () => resolve());
        });
        if (down) throw new RegistryError('registry unreachable: ECONNRESET');
      }
      return { instances, index: String(index) };
    },
    async close() {},
  };
  return {
    registry,
    publish(next: ServiceInstance[]) {
      instances = next;
      index += 1;
      wake();
    },
    setDown(value: boolean) {
      down = value;
      wake();
    },
    get calls() {
      return calls;
    },
  };
}

const node = (id: string): ServiceInstance => ({
  id,
  service: 'users',
  address: '127.0.0.1',
  port: Number(id.replace(/\D/g, '')) || 1,
  tags: [],
  meta: {},
});

describe('discoveryBalancer', () => {
  it('round-robins over passing instances and follows changes', async () => {
    const script = scriptedRegistry();
    script.publish([node('a1'), node('b2'), node('c3')]);
    const balancer = discoveryBalancer({ registry: script.registry, strategy: 'round-robin' });
    try {
      const picks = [];
      for (let i = 0; i < 6; i++) picks.push((await balancer.pick('users'))?.id);
      expect(picks).toEqual(['a1', 'b2', 'c3', 'a1', 'b2', 'c3']);
      script.publish([node('b2')]);
      await expect.poll(() => balancer.watcher('users').instances.length).toBe(1);
      expect((await balancer.pick('users'))?.id).toBe('b2');
      script.publish([]);
      await expect.poll(() => balancer.watcher('users').instances.length).toBe(0);
      expect(await balancer.pick('users')).toBeUndefined();
    } finally {
      await balancer.close();
    }
  });

  it('honours exclude while another instance exists', async () => {
    const script = scriptedRegistry();
    script.publish([node('a1'), node('b2')]);
    const balancer = discoveryBalancer({ registry: script.registry, strategy: 'round-robin' });
    try {
      for (let i = 0; i < 4; i++) expect((await balancer.pick('users', new Set(['a1'])))?.id).toBe('b2');
      expect((await balancer.pick('users', new Set(['a1', 'b2'])))?.id).toMatch(/a1|b2/);
    } finally {
      await balancer.close();
    }
  });

  it('ejects an instance that refused a connection for the cool-down, then takes it back', async () => {
    const script = scriptedRegistry();
    script.publish([node('a1'), node('b2')]);
    let now = 1_000;
    const balancer = discoveryBalancer({
      registry: script.registry,
      strategy: 'round-robin',
      ejectMs: 5_000,
      clock: () => now,
    });
    try {
      const a = (await balancer.pick('users', new Set(['b2'])))!;
      balancer.track(a).done('refused');
      for (let i = 0; i < 5; i++) expect((await balancer.pick('users'))?.id).toBe('b2');
      // A failure that is not a refusal (the instance answered) does not eject.
      const b = (await balancer.pick('users'))!;
      balancer.track(b).done('failure');
      expect((await balancer.pick('users'))?.id).toBe('b2');
      now += 5_001;
      const after = new Set<string>();
      for (let i = 0; i < 4; i++) after.add((await balancer.pick('users'))!.id);
      expect([...after].sort()).toEqual(['a1', 'b2']);
    } finally {
      await balancer.close();
    }
  });

  it('ignores ejections when every instance is ejected (panic mode)', async () => {
    const script = scriptedRegistry();
    script.publish([node('a1')]);
    const balancer = discoveryBalancer({ registry: script.registry });
    try {
      balancer.track((await balancer.pick('users'))!).done('refused');
      expect((await balancer.pick('users'))?.id).toBe('a1');
    } finally {
      await balancer.close();
    }
  });

  it('least-request prefers the instance with fewer calls in flight', async () => {
    const script = scriptedRegistry();
    script.publish([node('a1'), node('b2')]);
    const balancer = discoveryBalancer({ registry: script.registry, strategy: 'least-request' });
    try {
      const a = (await balancer.pick('users', new Set(['b2'])))!;
      const busy = [balancer.track(a), balancer.track(a), balancer.track(a)];
      for (let i = 0; i < 20; i++) expect((await balancer.pick('users'))?.id).toBe('b2');
      for (const call of busy) call.done('success');
      const seen = new Set<string>();
      for (let i = 0; i < 50; i++) seen.add((await balancer.pick('users'))!.id);
      expect([...seen].sort()).toEqual(['a1', 'b2']);
    } finally {
      await balancer.close();
    }
  });
});

describe('ServiceWatcher', () => {
  it('keeps serving the last-known list while the registry is down, and retries with backoff', async () => {
    const script = scriptedRegistry();
    script.publish([node('a1'), node('b2')]);
    const watcher = new ServiceWatcher({
      registry: script.registry,
      service: 'users',
      backoff: { initialDelayMs: 20, maxDelayMs: 80 },
      // The top of the jitter's range: the delays are 20, 40, 80, 80… ms.
      random: () => 1,
    }).start();
    try {
      await watcher.firstAnswer();
      expect(watcher.instances.map((instance) => instance.id)).toEqual(['a1', 'b2']);
      script.setDown(true);
      await expect.poll(() => watcher.stale).toBe(true);
      const callsWhenDown = script.calls;
      const downAt = performance.now();
      await expect.poll(() => script.calls - callsWhenDown).toBeGreaterThanOrEqual(3);
      // Retried, but with backoff: three retries take 20 + 40 + 80 ms from the first failure, of
      // which the 50 ms poll that saw the watcher stale may have used some; a tight loop takes a few.
      expect(performance.now() - downAt).toBeGreaterThanOrEqual(80);
      expect(watcher.instances.map((instance) => instance.id)).toEqual(['a1', 'b2']);
      script.setDown(false);
      script.publish([node('c3')]);
      await expect.poll(() => watcher.instances[0]?.id).toBe('c3');
      expect(watcher.stale).toBe(false);
    } finally {
      await watcher.stop();
    }
  });

  it('answers the first pick even when the registry was never reachable', async () => {
    const script = scriptedRegistry();
    script.setDown(true);
    const balancer = discoveryBalancer({ registry: script.registry, firstAnswerTimeoutMs: 1_000 });
    try {
      const startedAt = Date.now();
      expect(await balancer.pick('users')).toBeUndefined();
      expect(Date.now() - startedAt).toBeLessThan(900);
    } finally {
      await balancer.close();
    }
  });
});
