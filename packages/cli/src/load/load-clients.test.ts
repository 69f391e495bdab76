import { describe, expect, it } from 'vitest';
import { clientAddress, clientApiKey, LoadClients, loopbackOrigin } from './load-clients.js';

describe('load clients', () => {
  it('gives every client a loopback address of its own, never a .0 or .255 host', () => {
    expect([0, 1, 253, 254, 255].map(clientAddress)).toEqual([
      '127.1.0.1',
      '127.1.0.2',
      '127.1.0.254',
      '127.1.1.1',
      '127.1.1.2',
    ]);
    expect(clientAddress(254 * 256)).toBe('127.2.0.1');
    const addresses = Array.from({ length: 20_000 }, (_, k) => clientAddress(k));
    expect(new Set(addresses).size).toBe(addresses.length);
    expect(
      addresses.every((address) => /^127\.\d+\.\d+\.([1-9]\d?|1\d\d|2[0-4]\d|25[0-4])$/.test(address)),
    ).toBe(true);
    expect(clientApiKey(7)).toBe('load-client-7');
  });

  it('uses addresses of their own only for an IPv4 loopback gateway (localhost as 127.0.0.1)', () => {
    expect(loopbackOrigin('http://127.0.0.1:8080/x')).toBe('http://127.0.0.1:8080');
    expect(loopbackOrigin('http://127.5.6.7:8080')).toBe('http://127.5.6.7:8080');
    expect(loopbackOrigin('http://localhost:8080')).toBe('http://127.0.0.1:8080');
    expect(loopbackOrigin('http://[::1]:8080')).toBeUndefined();
    expect(loopbackOrigin('http://gateway.internal:8080')).toBeUndefined();
    expect(loopbackOrigin('http://10.0.0.7')).toBeUndefined();
    expect(new LoadClients({ gateway: 'http://127.0.0.1:1', clients: 2 }).distinctAddresses).toBe(true);
    expect(new LoadClients({ gateway: 'http://10.0.0.7:1', clients: 2 }).distinctAddresses).toBe(false);
  });

  it('picks clients uniformly by the random number, within range', () => {
    const rolls = [0, 0.1, 0.5, 0.99, 0.999_999_999_999, 1];
    const clients = new LoadClients({
      gateway: 'http://127.0.0.1:1',
      clients: 4,
      random: () => rolls.shift()!,
    });
    expect(Array.from({ length: 6 }, () => clients.pick())).toEqual([0, 0, 2, 3, 3, 3]);
  });

  it('opens one connection per client, lazily, and reuses it', async () => {
    const clients = new LoadClients({ gateway: 'http://127.0.0.1:1', clients: 3 });
    const first = clients.connection(1);
    expect(clients.connection(1)).toBe(first);
    expect(clients.connection(2)).not.toBe(first);
    await clients.close();
  });
});
