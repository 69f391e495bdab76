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

function memoryRegistry() {
  const held = new Set<string>();
  const log: string[] = [];
  let down = false;
  const registry: Registry = {
    services: async () => [],
    kind: 'consul',
    async register(item) {
      if (down) throw new RegistryError('down');
      log.push(`register ${item.id}`);
      held.add(item.id);
    },
    async deregister(id) {
      if (down) throw new RegistryError('down');
      log.push(`deregister ${id}`);
      held.delete(id);
    },
    async isRegistered(id) {
      if (down) throw new RegistryError('down');
      return held.has(id);
    },
    async healthy() {
      return { instances: [], index: undefined };
    },
    async close() {},
  };
  return { registry, held, log, setDown: (value: boolean) => (down = value) };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('keepRegistered', () => {
  it('registers once, registers again only after the registry lost the instance, and deregisters', async () => {
    const memory = memoryRegistry();
    const kept = await keepRegistered(memory.registry, registration, { syncIntervalMs: 20, logger });
    await wait(120);
    expect(memory.log).toEqual(['register users-1']);
    memory.held.clear();
    await wait(120);
    expect(memory.log).toEqual(['register users-1', 'register users-1']);
    await kept.stop();
    expect(memory.log.at(-1)).toBe('deregister users-1');
    expect(memory.held.size).toBe(0);
  });

  it('starts while the registry is down and registers when it comes back', async () => {
    const memory = memoryRegistry();
    memory.setDown(true);
    const kept = await keepRegistered(memory.registry, registration, { syncIntervalMs: 20, logger });
    expect(memory.held.size).toBe(0);
    memory.setDown(false);
    await wait(120);
    expect(memory.log).toEqual(['register users-1']);
    await kept.stop();
  });
});
