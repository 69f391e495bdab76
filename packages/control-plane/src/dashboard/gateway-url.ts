import { FlotillaError } from '@flotilla/kit/errors';
import type { ServiceView } from './dashboard-options.js';
import { instanceUrl } from './instance-url.js';
import { pickInstance } from './pick-instance.js';

/**
 * Where the explorer sends requests: the configured gateway when there is one, else a passing
 * instance of the gateway as it registers itself (under `gatewayName`).
 */
export function gatewayUrl(
  services: readonly ServiceView[],
  gatewayName: string,
  configured: string | undefined,
): string {
  if (configured) return configured.replace(/\/+$/, '');
  try {
    return instanceUrl(pickInstance(services, gatewayName), '');
  } catch (error) {
    if (!(error instanceof FlotillaError) || error.code !== 'NOT_FOUND') throw error;
    throw new FlotillaError('UPSTREAM_UNAVAILABLE', {
      detail: `no '${gatewayName}' is registered: start it with REGISTRY_URL, or give the control plane GATEWAY_URL`,
      extensions: { upstream: gatewayName },
    });
  }
}
