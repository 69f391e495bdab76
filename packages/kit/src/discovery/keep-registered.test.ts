import { describe, expect, it } from 'vitest';
import { createLogger } from '../telemetry/index.js';
import { keepRegistered } from './keep-registered.js';
import { type Registry, RegistryError, type ServiceRegistration } from './registry.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const registration: ServiceRegistration = {
  id: 'users-1',
  name: 'users',
  address: '127.0.0.1',
  port: 1,
  tags: [],
  meta: {},
};

/** A registry that logs every call it receives, including those it refuses while down. */
function memoryRegistry() {
  const held = new Set<string>();
  const log: string[] = [];
  let down = false;
  const receive = (call: string) => {
    log.push(down ? `${call} (down)` : call);
    if (down) throw new RegistryError('down');
  };
  const registry: Registry = {
    services: async () => [],
    kind: 'consul',
    async register(item) {
      receive(`register ${item.id}`);
      held.add(item.id);
    },
    async deregister(id) {
      receive(`deregister ${id}`);
      held.delete(id);
    },
    async isRegistered(id) {
      receive(`check ${id}`);
      return held.has(id);
    },
    async healthy() {
      return { instances: [], index: undefined };
    },
    async close() {},
  };
  const count = (call: string) => log.filter((entry) => entry === call).length;
  return { registry, held, log, count, setDown: (value: boolean) => (down = value) };
}

describe('keepRegistered', () => {
  it('registers once, registers again only after the registry lost the instance, and deregisters', async () => {
    const memory = memoryRegistry();
    const kept = await keepRegistered(memory.registry, registration, { syncIntervalMs: 20, logger });
    // Syncs that find the instance held leave it be.
    await expect.poll(() => memory.count('check users-1')).toBeGreaterThanOrEqual(3);
    expect(memory.count('register users-1')).toBe(1);

    memory.held.clear();
    await expect.poll(() => memory.held.has('users-1')).toBe(true);
    const checksThen = memory.count('check users-1');
    await expect.poll(() => memory.count('check users-1')).toBeGreaterThanOrEqual(checksThen + 3);
    expect(memory.count('register users-1')).toBe(2);

    await kept.stop();
    expect(memory.log.at(-1)).toBe('deregister users-1');
    expect(memory.held.size).toBe(0);
  });

  it('starts while the registry is down and registers when it comes back', async () => {
    const memory = memoryRegistry();
    memory.setDown(true);
    const kept = await keepRegistered(memory.registry, registration, { syncIntervalMs: 20, logger });
    expect(memory.log).toEqual(['register users-1 (down)']);
    // It keeps trying while the registry stays down.
    await expect.poll(() => memory.count('check users-1 (down)')).toBeGreaterThanOrEqual(2);
    memory.setDown(false);
    await expect.poll(() => memory.held.has('users-1')).toBe(true);
    expect(memory.log.filter((entry) => !entry.endsWith('(down)')).slice(0, 2)).toEqual([
      'check users-1',
      'register users-1',
    ]);
    await kept.stop();
  });
});
