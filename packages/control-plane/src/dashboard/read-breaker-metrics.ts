import { type BreakerReading, toBreakerState } from './breaker-state.js';
import type { PrometheusSample } from './parse-prometheus-text.js';

const BREAKER_STATE = /(breaker|circuit).*state|state.*(breaker|circuit)/i;
// `service` is the kit's default label naming the exporting service itself, so it comes last and
// only counts when it names another service.
const TARGET_LABELS = ['target', 'upstream', 'peer_service', 'server', 'name', 'service'] as const;

/**
 * Breaker states from a scrape, for instances without the JSON endpoint. Reads both common shapes:
 * one gauge per state (`state="open"` set to 1), or one gauge holding cockatiel's state number.
 */
export function readBreakerMetrics(samples: readonly PrometheusSample[], self: string): BreakerReading[] {
  const byTarget = new Map<string, BreakerReading>();
  for (const sample of samples) {
    if (!BREAKER_STATE.test(sample.name) || sample.name.endsWith('_created')) continue;
    const target = TARGET_LABELS.map((label) => sample.labels[label]).find(
      (value) => value !== undefined && value !== '' && value !== self,
    );
    if (!target) continue;
    const state =
      sample.labels.state === undefined
        ? toBreakerState(sample.value)
        : sample.value === 1
          ? toBreakerState(sample.labels.state)
          : undefined;
    if (state) byTarget.set(target, { target, state });
  }
  return [...byTarget.values()];
}
