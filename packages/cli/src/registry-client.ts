import { urlHost } from '@flotilla/kit/http';
import { CliError } from './cli-error.js';
import { httpJson } from './http-json.js';

export const DEFAULT_REGISTRY_URL = 'http://127.0.0.1:8500';

/** One instance as Consul's `GET /v1/health/service/<name>` describes it. */
export interface RegisteredInstance {
  readonly service: string;
  readonly id: string;
  readonly address: string;
  readonly port: number;
  /** Worst of its checks: passing, warning or critical. */
  readonly health: 'passing' | 'warning' | 'critical';
  readonly meta: Readonly<Record<string, string>>;
}

interface HealthEntry {
  Service: { ID: string; Service: string; Address: string; Port: number; Meta?: Record<string, string> };
  Node?: { Address?: string };
  Checks?: { Status: string; ServiceID?: string }[];
}

function worst(checks: HealthEntry['Checks']): RegisteredInstance['health'] {
  const statuses = (checks ?? []).map((check) => check.Status);
  if (statuses.includes('critical')) return 'critical';
  if (statuses.includes('warning')) return 'warning';
  return 'passing';
}

/** Reads the registry through Consul's HTTP API (the control plane's, or a real Consul agent). */
export class RegistryClient {
  readonly url: string;

  constructor(url: string | undefined) {
    this.url = (url ?? DEFAULT_REGISTRY_URL).replace(/\/+$/, '');
  }

  async services(): Promise<string[]> {
    const { status, body } = await httpJson<Record<string, string[]>>(`${this.url}/v1/catalog/services`, {
      what: 'the registry',
    });
    if (status !== 200 || !body)
      throw new CliError(`the registry answered ${status} to /v1/catalog/services`);
    // Consul lists itself as "consul"; it is not one of ours.
    return Object.keys(body)
      .filter((name) => name !== 'consul')
      .sort();
  }

  async instances(service: string): Promise<RegisteredInstance[]> {
    const { status, body } = await httpJson<HealthEntry[]>(
      `${this.url}/v1/health/service/${encodeURIComponent(service)}`,
      { what: 'the registry' },
    );
    if (status !== 200 || !Array.isArray(body)) {
      throw new CliError(`the registry answered ${status} to /v1/health/service/${service}`);
    }
    return body
      .map((entry) => ({
        service,
        id: entry.Service.ID,
        // Consul: an empty service address means the node's address.
        address: entry.Service.Address || entry.Node?.Address || '127.0.0.1',
        port: entry.Service.Port,
        health: worst(entry.Checks),
        meta: entry.Service.Meta ?? {},
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}

export function instanceUrl(instance: RegisteredInstance): string {
  return `http://${urlHost(instance.address)}:${instance.port}`;
}
