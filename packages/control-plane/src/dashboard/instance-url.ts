import { urlHost } from '@flotilla/kit/http';
import type { InstanceView } from './dashboard-options.js';

/** `http://address:port/path`, with an IPv6 address in brackets. */
export function instanceUrl(instance: InstanceView, path: string): string {
  return `http://${urlHost(instance.address)}:${instance.port}${path}`;
}
