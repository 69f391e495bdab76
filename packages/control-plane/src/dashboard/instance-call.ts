import type { CallOptions } from './call-instance.js';
import type { DashboardOptions } from './dashboard-options.js';

/** How the dashboard calls an instance, with the options' defaults filled in. */
export function instanceCall(options: DashboardOptions): Omit<CallOptions, 'service' | 'method'> {
  return { fetch: options.fetch ?? globalThis.fetch, timeoutMs: options.instanceTimeoutMs ?? 1500 };
}
