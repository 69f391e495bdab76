import { once } from 'node:events';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Registry, RegistryError, staticBalancer } from '../discovery/index.js';
import { registrySubscriberDirectory } from './registry-subscriber-directory.js';

const subscriber = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      service: 'notifications',
      subscriptions: [{ name: 'order-notifications', from: 'orders', patterns: ['order.placed'] }],
    }),
  );
});
let url: string;

beforeAll(async () => {
  subscriber.listen(0, '127.0.0.1');
  await once(subscriber, 'listening');
  url = `http://127.0.0.1:${(subscriber.address() as { port: number }).port}`;
});
afterAll(() => subscriber.close());

describe('registrySubscriberDirectory', () => {
  it('keeps finding subscribers through the services listed last while the registry is down', async () => {
    let registryUp = true;
    let asked = 0;
    const registry = {
      services: async () => {
        asked++;
        if (!registryUp) throw new RegistryError('registry unreachable');
        return ['notifications'];
      },
    } as Pick<Registry, 'services'> as Registry;
    let now = 0;
    const directory = registrySubscriberDirectory(registry, staticBalancer({ notifications: [url] }), {
      clock: () => now,
    });
    const found = [{ service: 'notifications', url }];
    expect(await directory.subscribersOf('/orders', 'order.placed')).toEqual(found);
    expect(asked).toBe(1);

    registryUp = false;
    // Within the directory's default 2 s cache the registry is not asked; past it, it is.
    now = 1_999;
    expect(await directory.subscribersOf('/orders', 'order.placed')).toEqual(found);
    expect(asked).toBe(1);
    now = 2_000;
    expect(await directory.subscribersOf('/orders', 'order.placed')).toEqual(found);
    expect(asked).toBe(2);
  });

  it('fails while the registry has never answered, so the relay retries rather than skips', async () => {
    const registry = {
      services: async () => {
        throw new RegistryError('registry unreachable');
      },
    } as Pick<Registry, 'services'> as Registry;
    const directory = registrySubscriberDirectory(registry, staticBalancer({}));
    await expect(directory.subscribersOf('/orders', 'order.placed')).rejects.toThrow(RegistryError);
  });
});
