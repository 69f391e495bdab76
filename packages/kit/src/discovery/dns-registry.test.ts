import { describe, expect, it } from 'vitest';
import { createRegistry } from './create-registry.js';
import { type DnsLookups, dnsRegistry } from './dns-registry.js';

function lookups(
  records: Record<string, string[]>,
  srv: Record<string, { name: string; port: number }[]>,
): DnsLookups & {
  asked: string[];
} {
  const asked: string[] = [];
  const missing = (name: string) =>
    Object.assign(new Error(`queryA ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return {
    asked,
    async resolve4(name) {
      asked.push(`A ${name}`);
      if (name === 'broken.ns.svc.cluster.local')
        throw Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
      const found = records[name];
      if (!found) throw missing(name);
      return found;
    },
    async resolveSrv(name) {
      asked.push(`SRV ${name}`);
      const found = srv[name];
      if (!found) throw missing(name);
      return found.map((record) => ({ ...record, priority: 0, weight: 100 }));
    },
  };
}

describe('dnsRegistry', () => {
  it('finds instances of a headless Service from SRV records and their A records', async () => {
    const fake = lookups(
      { 'pod-a.users.ns.svc.cluster.local': ['10.0.0.1'], 'pod-b.users.ns.svc.cluster.local': ['10.0.0.2'] },
      {
        '_http._tcp.users.ns.svc.cluster.local': [
          { name: 'pod-b.users.ns.svc.cluster.local', port: 8080 },
          { name: 'pod-a.users.ns.svc.cluster.local', port: 8080 },
        ],
      },
    );
    const registry = dnsRegistry({ url: 'dns+srv:///ns.svc.cluster.local', lookups: fake });
    const { instances } = await registry.healthy('users');
    expect(instances.map(({ address, port, service }) => ({ address, port, service }))).toEqual([
      { address: '10.0.0.1', port: 8080, service: 'users' },
      { address: '10.0.0.2', port: 8080, service: 'users' },
    ]);
    expect(fake.asked[0]).toBe('SRV _http._tcp.users.ns.svc.cluster.local');
    expect(await registry.healthy('nobody')).toEqual({ instances: [], index: '' });
    // Kubernetes registers pods itself.
    await registry.register({ id: 'x', name: 'users', address: '', port: 1, tags: [], meta: {} });
    expect(await registry.isRegistered('x')).toBe(true);
  });

  it('uses A records and the port from the URL for dns://, and surfaces resolver failures', async () => {
    const fake = lookups({ 'users.ns.svc.cluster.local': ['10.0.0.7', '10.0.0.8'] }, {});
    const registry = dnsRegistry({ url: 'dns:///ns.svc.cluster.local?port=3000', lookups: fake });
    const { instances } = await registry.healthy('users');
    expect(instances.map((instance) => `${instance.address}:${instance.port}`)).toEqual([
      '10.0.0.7:3000',
      '10.0.0.8:3000',
    ]);
    await expect(registry.healthy('broken')).rejects.toThrow(/dns lookup of broken failed/);
  });

  it('polls at its interval when asked to wait for a change', async () => {
    const fake = lookups({ users: ['10.0.0.1'] }, {});
    const registry = dnsRegistry({ url: 'dns://?port=80&interval=150ms', lookups: fake });
    const first = await registry.healthy('users');
    const startedAt = Date.now();
    await registry.healthy('users', { index: first.index! });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);
  });

  it('is chosen by scheme, and a dns:// URL without a port is refused with a clear message', () => {
    expect(createRegistry('dns+srv:///ns.svc.cluster.local').kind).toBe('dns');
    expect(createRegistry('http://127.0.0.1:8500').kind).toBe('consul');
    expect(() => createRegistry('dns:///ns.svc.cluster.local')).toThrow(/needs \?port=/);
    expect(() => createRegistry('ftp://x')).toThrow(/no registry adapter for ftp:/);
  });
});
