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
    const registry = {
      services: async () => {
        if (!registryUp) throw new RegistryError('registry unreachable');
        return ['notifications'];
      },
    } as Pick<Registry, 'services'> as Registry;
    const directory = registrySubscriberDirectory(registry, staticBalancer({ notifications: [url] }));
    expect(await directory.subscribersOf('/orders', 'order.placed')).toEqual([
      { service: 'notifications', url },
    ]);

    registryUp = false;
    // Past the directory's 2 s cache of subscription lists, so the registry is asked again.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await directory.subscribersOf('/orders', 'order.placed')).toEqual([
      { service: 'notifications', url },
    ]);
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
