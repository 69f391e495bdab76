import { Resolver } from 'node:dns/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HealthyOptions, type InstanceList, type Registry, RegistryError } from './registry.js';
import type { ServiceInstance } from './service-instance.js';

/** The two lookups the adapter makes; node:dns by default, a fake in unit tests. */
export interface DnsLookups {
  /** The SRV records of `name`. */
  resolveSrv(name: string): Promise<{ name: string; port: number; priority: number; weight: number }[]>;
  /** The A records of `name`. */
  resolve4(name: string): Promise<string[]>;
}

/** Where a DNS registry looks instances up. */
export interface DnsRegistryOptions {
  /**
   * `dns+srv://[resolver[:port]]/<domain>?portName=http&protocol=tcp&interval=5s` — SRV records
   * `_<portName>._<protocol>.<service>.<domain>` of a Kubernetes headless Service (port from the
   * record); or `dns://[resolver[:port]]/<domain>?port=8080&interval=5s` — A records of
   * `<service>.<domain>`, all on `port`. Without a domain the name is `<service>` and the
   * resolver's search list (the pod's namespace in Kubernetes) completes it.
   */
  readonly url: string;
  /** The lookups; node:dns unless a test brings its own. */
  readonly lookups?: DnsLookups;
}

/** Answers meaning "no such name or no records": a service with no ready pod, not a failure. */
const NO_RECORDS = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Discovery through Kubernetes DNS. Kubernetes registers pods itself (a headless Service lists
 * only ready pods), so register and deregister do nothing. DNS has no blocking queries: a query
 * with an index polls every `interval`.
 */
export function dnsRegistry(options: DnsRegistryOptions): Registry {
  const url = new URL(options.url);
  const srv = url.protocol === 'dns+srv:';
  if (!srv && url.protocol !== 'dns:') throw new RegistryError(`not a dns registry URL: ${url.protocol}`);
  const domain = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  const portName = url.searchParams.get('portName') ?? 'http';
  const protocol = url.searchParams.get('protocol') ?? 'tcp';
  const intervalMs = parseSeconds(url.searchParams.get('interval') ?? '5s');
  const fixedPort = Number(url.searchParams.get('port') ?? Number.NaN);
  if (!srv && !(Number.isInteger(fixedPort) && fixedPort > 0 && fixedPort < 65536)) {
    throw new RegistryError(
      'a dns:// REGISTRY_URL needs ?port=<port> (A records carry no port); use dns+srv:// for SRV',
    );
  }
  const lookups = options.lookups ?? resolverFor(url);
  const qualify = (service: string) => (domain ? `${service}.${domain}` : service);

  async function lookup(service: string): Promise<ServiceInstance[]> {
    try {
      if (!srv) {
        const addresses = await lookups.resolve4(qualify(service));
        return addresses.map((address) => instance(service, address, fixedPort));
      }
      const records = await lookups.resolveSrv(`_${portName}._${protocol}.${qualify(service)}`);
      const found = await Promise.all(
        records.map(async (record) => {
          const addresses = await lookups.resolve4(record.name).catch(() => [] as string[]);
          return addresses.map((address) => instance(service, address, record.port));
        }),
      );
      return found.flat();
    } catch (error) {
      if (NO_RECORDS.has((error as NodeJS.ErrnoException).code ?? '')) return [];
      throw new RegistryError(`dns lookup of ${service} failed: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
  }

  return {
    kind: 'dns',
    async register() {},
    async deregister() {},
    async isRegistered() {
      return true;
    },
    async services() {
      return [];
    },
    async healthy(service: string, query: HealthyOptions = {}): Promise<InstanceList> {
      if (query.index !== undefined) {
        await sleep(Math.min(intervalMs, query.waitMs ?? intervalMs), undefined, {
          ...(query.signal ? { signal: query.signal } : {}),
        });
      }
      const instances = (await lookup(service)).sort((a, b) => a.id.localeCompare(b.id));
      return { instances, index: instances.map((item) => item.id).join(',') };
    },
    async close() {},
  };
}

function instance(service: string, address: string, port: number): ServiceInstance {
  return { id: `${service}@${address}:${port}`, service, address, port, tags: [], meta: {} };
}

function resolverFor(url: URL): DnsLookups {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  if (url.host) resolver.setServers([url.host]);
  return resolver;
}

function parseSeconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) throw new RegistryError(`dns registry interval must look like 5s or 500ms, got "${text}"`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
}
