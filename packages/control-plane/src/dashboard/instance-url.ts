import type { InstanceView } from './dashboard-options.js';

/** `http://address:port/path`, with an IPv6 address in brackets. */
export function instanceUrl(instance: InstanceView, path: string): string {
  const host = instance.address.includes(':') ? `[${instance.address}]` : instance.address;
  return `http://${host}:${instance.port}${path}`;
}
