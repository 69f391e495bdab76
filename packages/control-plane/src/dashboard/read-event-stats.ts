import type { PrometheusSample } from './parse-prometheus-text.js';

/** Outbox, consumer and dead-letter gauges of one instance; each absent when not exported. */
export interface EventStats {
  readonly outboxPending?: number;
  readonly outboxOldestSeconds?: number;
  readonly consumerLag?: number;
  readonly deadLetters?: number;
}

// Names are matched loosely so that `flotilla_outbox_pending`, `outbox_pending_events` and the
// like all count; `_total`/`_created` series are counters of what happened, not current levels.
const READERS: readonly [keyof EventStats, RegExp, 'sum' | 'max'][] = [
  ['outboxOldestSeconds', /outbox.*(oldest|age)/i, 'max'],
  ['outboxPending', /outbox.*pending/i, 'sum'],
  ['consumerLag', /consumer.*lag|lag.*consumer/i, 'sum'],
  ['deadLetters', /dead_?letter/i, 'sum'],
];

export function readEventStats(samples: readonly PrometheusSample[]): EventStats {
  const stats: Partial<Record<keyof EventStats, number>> = {};
  for (const sample of samples) {
    if (/_(total|created|bucket|count|sum)$/.test(sample.name) || !Number.isFinite(sample.value)) continue;
    for (const [key, pattern, combine] of READERS) {
      if (!pattern.test(sample.name)) continue;
      const previous = stats[key];
      stats[key] =
        previous === undefined
          ? sample.value
          : combine === 'sum'
            ? previous + sample.value
            : Math.max(previous, sample.value);
      break;
    }
  }
  return stats;
}

/** `{ pending, oldestAgeSeconds | oldestSeconds }` from an instance's outbox endpoint. */
export function readOutboxJson(body: unknown): EventStats {
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const oldest = record.oldestAgeSeconds ?? record.oldestSeconds;
  return {
    ...(typeof record.pending === 'number' ? { outboxPending: record.pending } : {}),
    ...(typeof oldest === 'number' ? { outboxOldestSeconds: oldest } : {}),
  };
}
