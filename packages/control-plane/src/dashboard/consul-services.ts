import type { InstanceHealth, ServiceView } from './dashboard-options.js';

interface HealthEntry {
  Service: {
    ID: string;
    Service: string;
    Address: string;
    Port: number;
    Tags?: string[];
    Meta?: Record<string, string>;
  };
  Node?: { Address?: string };
  Checks?: { Status?: string }[];
}

/**
 * `listServices` backed by a Consul HTTP API (the control plane's own registry or a real agent):
 * `/v1/catalog/services`, then `/v1/health/service/<name>` for each. An instance is as healthy as
 * its worst check, as Consul's `passing` filter judges it.
 */
export function consulServices(baseUrl: string, fetchImpl: typeof fetch = globalThis.fetch) {
  const get = async (path: string): Promise<unknown> => {
    const response = await fetchImpl(new URL(path, baseUrl), { signal: AbortSignal.timeout(2000) });
    if (!response.ok) throw new Error(`registry answered ${response.status} for ${path}`);
    return response.json();
  };
  return async (): Promise<ServiceView[]> => {
    const catalog = (await get('/v1/catalog/services')) as Record<string, unknown>;
    return Promise.all(
      Object.keys(catalog)
        .filter((name) => name !== 'consul')
        .map(async (name) => {
          const entries = (await get(`/v1/health/service/${encodeURIComponent(name)}`)) as HealthEntry[];
          return {
            name,
            instances: entries.map((entry) => ({
              id: entry.Service.ID,
              // Consul's rule: an empty service address means the node's address.
              address: entry.Service.Address || entry.Node?.Address || '127.0.0.1',
              port: entry.Service.Port,
              health: worstCheck(entry.Checks ?? []),
              tags: entry.Service.Tags ?? [],
              meta: entry.Service.Meta ?? {},
            })),
          };
        }),
    );
  };
}

function worstCheck(checks: readonly { Status?: string }[]): InstanceHealth {
  const statuses = new Set(checks.map((check) => check.Status));
  if (statuses.has('critical')) return 'critical';
  return statuses.has('warning') ? 'warning' : 'passing';
}
