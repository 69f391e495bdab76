import { Pool } from 'undici';
import {
  type HealthyOptions,
  type InstanceList,
  type Registry,
  RegistryError,
  type ServiceRegistration,
} from './registry.js';
import type { ServiceInstance } from './service-instance.js';

/** Where the Consul agent (or the control plane) answers. */
export interface ConsulRegistryOptions {
  /** The agent's address, e.g. `http://127.0.0.1:8500` (the control plane or a Consul agent). */
  readonly url: string;
  /** ACL token, sent as `X-Consul-Token`. */
  readonly token?: string;
  /** Timeout of non-blocking calls. */
  readonly requestTimeoutMs?: number;
}

/** Default wait of a blocking query: shorter than Consul's 5 minutes so a silently dead connection is noticed. */
const DEFAULT_WAIT_MS = 55_000;

interface HealthEntry {
  Node?: { Address?: string };
  Service: {
    ID: string;
    Service: string;
    Address?: string;
    Port: number;
    Tags?: string[] | null;
    Meta?: Record<string, string> | null;
  };
}

/**
 * The Consul HTTP API adapter, for the control plane's registry or a real Consul agent: the same
 * calls, the same shapes. Connections are pooled (undici) and unbounded in number, so a register
 * or deregister call never queues behind a long blocking query.
 */
export function consulRegistry(options: ConsulRegistryOptions): Registry {
  const origin = new URL(options.url).origin;
  const pool = new Pool(origin, { connections: null, pipelining: 0 });
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  const headers: Record<string, string> = options.token ? { 'x-consul-token': options.token } : {};

  async function call(
    method: 'GET' | 'PUT',
    path: string,
    init: { body?: string; timeoutMs?: number; signal?: AbortSignal } = {},
  ) {
    const timeout = init.timeoutMs ?? timeoutMs;
    try {
      const response = await pool.request({
        method,
        path,
        headers: init.body ? { ...headers, 'content-type': 'application/json' } : headers,
        ...(init.body ? { body: init.body } : {}),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        ...(init.signal ? { signal: init.signal } : {}),
      });
      const text = await response.body.text();
      return { status: response.statusCode, text, index: response.headers['x-consul-index'] };
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new RegistryError(`registry ${origin} unreachable: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
  }

  function fail(what: string, answer: { status: number; text: string }): never {
    throw new RegistryError(
      `${what}: registry answered ${answer.status} ${answer.text.slice(0, 200)}`,
      answer.status,
    );
  }

  return {
    kind: 'consul',
    async register(registration: ServiceRegistration) {
      const { check } = registration;
      const body = {
        ID: registration.id,
        Name: registration.name,
        Address: registration.address,
        Port: registration.port,
        Tags: registration.tags,
        Meta: registration.meta,
        ...(check
          ? {
              Check: {
                Name: `${registration.name} readiness`,
                HTTP: check.http,
                Interval: `${check.intervalMs}ms`,
                Timeout: `${check.timeoutMs}ms`,
                DeregisterCriticalServiceAfter: `${check.deregisterAfterMs}ms`,
              },
            }
          : {}),
      };
      const answer = await call('PUT', '/v1/agent/service/register', { body: JSON.stringify(body) });
      if (answer.status !== 200) fail(`register ${registration.id}`, answer);
    },
    async deregister(id: string) {
      const answer = await call('PUT', `/v1/agent/service/deregister/${encodeURIComponent(id)}`);
      // Already gone (reaped, or the registry lost it) is what deregistering wants.
      if (answer.status !== 200 && answer.status !== 404) fail(`deregister ${id}`, answer);
    },
    async isRegistered(id: string) {
      const answer = await call('GET', `/v1/agent/service/${encodeURIComponent(id)}`);
      if (answer.status === 200) return true;
      if (answer.status === 404) return false;
      fail(`look up ${id}`, answer);
    },
    async services() {
      const answer = await call('GET', '/v1/catalog/services', { timeoutMs });
      if (answer.status !== 200) fail('catalog of services', answer);
      try {
        return Object.keys(JSON.parse(answer.text) as Record<string, unknown>).filter(
          (name) => name !== 'consul',
        );
      } catch (error) {
        throw new RegistryError('catalog of services: malformed answer', 200, { cause: error });
      }
    },
    async healthy(service: string, query: HealthyOptions = {}): Promise<InstanceList> {
      const waitMs = query.waitMs ?? DEFAULT_WAIT_MS;
      const params = new URLSearchParams({ passing: 'true' });
      const blocking = query.index !== undefined && query.index !== '0';
      if (blocking) {
        params.set('index', query.index!);
        params.set('wait', `${Math.max(1, Math.round(waitMs))}ms`);
      }
      const answer = await call('GET', `/v1/health/service/${encodeURIComponent(service)}?${params}`, {
        // Consul may add up to wait/16 of jitter to a blocking query.
        timeoutMs: blocking ? waitMs + waitMs / 16 + timeoutMs : timeoutMs,
        ...(query.signal ? { signal: query.signal } : {}),
      });
      if (answer.status !== 200) fail(`health of ${service}`, answer);
      let entries: HealthEntry[];
      try {
        entries = JSON.parse(answer.text) as HealthEntry[];
      } catch (error) {
        throw new RegistryError(`health of ${service}: malformed answer`, 200, { cause: error });
      }
      return { instances: entries.map(toInstance), index: nextIndex(answer.index, query.index) };
    },
    async close() {
      await pool.destroy();
    },
  };
}

function toInstance(entry: HealthEntry): ServiceInstance {
  const service = entry.Service;
  return {
    id: service.ID,
    service: service.Service,
    // Consul's rule: an empty service address means the node's address.
    address: service.Address || entry.Node?.Address || '127.0.0.1',
    port: service.Port,
    tags: service.Tags ?? [],
    meta: service.Meta ?? {},
  };
}

/**
 * Consul's advice for blocking queries: when the index goes backwards (a registry that restarted
 * without its state) or is not positive, start over with a non-blocking query.
 */
function nextIndex(header: string | string[] | undefined, previous: string | undefined): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const index = BigInt(raw);
  if (index <= 0n) return '0';
  if (previous !== undefined && /^\d+$/.test(previous) && index < BigInt(previous)) return '0';
  return raw;
}
