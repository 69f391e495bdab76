import type { BreakerReading } from './breaker-state.js';
import { callInstance } from './call-instance.js';
import type { InstancePaths, InstanceView } from './dashboard-options.js';
import { type HttpTotals, httpTotals } from './http-totals.js';
import { parsePrometheusText } from './parse-prometheus-text.js';
import { readBreakerMetrics } from './read-breaker-metrics.js';
import { readBreakersJson } from './read-breakers-json.js';
import { readDeadLetters } from './read-dead-letters.js';
import { type EventStats, readEventStats, readOutboxJson } from './read-event-stats.js';

/** What one scrape of one instance found. */
export interface InstanceSnapshot {
  readonly at: number;
  /** False when `/metrics` did not answer: the other fields are then empty. */
  readonly ok: boolean;
  readonly http?: HttpTotals;
  readonly breakers: readonly BreakerReading[];
  readonly events: EventStats;
}

export interface ScrapeOptions {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly paths: InstancePaths;
  readonly now: () => number;
}

/**
 * Scrapes `/metrics` and, beside it, the breaker JSON endpoint (which wins when it answers, since it
 * is the breakers' own word), the outbox endpoint and the dead-letter listing (for the figures no
 * gauge has). Never throws: an unreachable instance is a snapshot with `ok: false`.
 */
export async function scrapeInstance(
  service: string,
  instance: InstanceView,
  options: ScrapeOptions,
): Promise<InstanceSnapshot> {
  const call = { fetch: options.fetch, timeoutMs: options.timeoutMs, service };
  const [metrics, breakers, deadLetters, outbox] = await Promise.allSettled([
    callInstance(instance, options.paths.metrics, call),
    callInstance(instance, options.paths.breakers, call),
    callInstance(instance, options.paths.deadLetters, call),
    callInstance(instance, options.paths.outbox, call),
  ]);
  const at = options.now();
  if (metrics.status === 'rejected' || typeof metrics.value.body !== 'string') {
    return { at, ok: false, breakers: [], events: {} };
  }
  const samples = parsePrometheusText(metrics.value.body);
  const fromJson = breakers.status === 'fulfilled' ? readBreakersJson(breakers.value.body) : [];
  const listed = deadLetters.status === 'fulfilled' ? readDeadLetters(deadLetters.value.body) : undefined;
  // Gauges win; the JSON endpoints fill what a service does not export as metrics.
  const events = {
    ...(outbox.status === 'fulfilled' ? readOutboxJson(outbox.value.body) : {}),
    ...readEventStats(samples),
  };
  return {
    at,
    ok: true,
    http: httpTotals(samples, new Set(Object.values(options.paths))),
    breakers: fromJson.length > 0 ? fromJson : readBreakerMetrics(samples, service),
    // A service without events answers 404 there and keeps `deadLetters` absent.
    events: events.deadLetters === undefined && listed ? { ...events, deadLetters: listed.length } : events,
  };
}
