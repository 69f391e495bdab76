import { env } from '../config/index.js';

/** Where a process finds the registry, shared by the services' and the gateway's schemas. */
export const registryConfigSchema = {
  REGISTRY_URL: env.url({
    protocols: ['http:', 'https:', 'dns:', 'dns+srv:'],
    optional: true,
    describe: 'registry: http(s):// Consul API (control plane or agent), dns:// or dns+srv:// Kubernetes DNS',
  }),
  REGISTRY_TOKEN: env.secret({ optional: true, describe: 'Consul ACL token (X-Consul-Token)' }),
};
