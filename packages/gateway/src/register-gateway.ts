import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keepRegistered, META_VERSION, type Registration, type Registry } from '@flotilla/kit/discovery';
import { urlHost } from '@flotilla/kit/http';
import type { Logger } from '@flotilla/kit/telemetry';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * Registers the gateway in a Consul-style registry as service `gateway`, checked at its
 * `/health/ready`, so the dashboard and `flotilla status` show it next to the services. It has no
 * route prefix, so no gateway routes to it. Intervals are the services' defaults.
 */
export function registerGateway(
  registry: Registry,
  address: { readonly host: string; readonly port: number },
  logger: Logger,
): Promise<Registration> {
  const host = urlHost(address.host);
  return keepRegistered(
    registry,
    {
      id: `gateway-${randomBytes(4).toString('hex')}`,
      name: 'gateway',
      address: address.host,
      port: address.port,
      tags: [],
      meta: { [META_VERSION]: version },
      check: {
        http: `http://${host}:${address.port}/health/ready`,
        intervalMs: 2_000,
        timeoutMs: 1_000,
        deregisterAfterMs: 60_000,
      },
    },
    { syncIntervalMs: 15_000, logger },
  );
}
