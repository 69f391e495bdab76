import { consulRegistry } from './consul-registry.js';
import { dnsRegistry } from './dns-registry.js';
import { type Registry, RegistryError } from './registry.js';

/** Settings of the registry `REGISTRY_URL` names. */
export interface CreateRegistryOptions {
  /** Consul ACL token (ignored by DNS). */
  readonly token?: string | undefined;
}

/**
 * The registry adapter for `REGISTRY_URL`: `http://` / `https://` → the Consul HTTP API (the
 * control plane or a Consul agent); `dns://` / `dns+srv://` → Kubernetes DNS.
 */
export function createRegistry(url: string, options: CreateRegistryOptions = {}): Registry {
  const protocol = new URL(url).protocol;
  if (protocol === 'http:' || protocol === 'https:') {
    return consulRegistry({ url, ...(options.token ? { token: options.token } : {}) });
  }
  if (protocol === 'dns:' || protocol === 'dns+srv:') return dnsRegistry({ url });
  throw new RegistryError(`no registry adapter for ${protocol}// (use http(s)://, dns:// or dns+srv://)`);
}
