import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The service client's Prometheus metrics, shared by every client of a process. Names follow
 * Prometheus conventions (`_total`, `_seconds`); `target` is the called service, `outcome` is
 * `success` or the catalogue code the call ended with.
 */
export interface ClientMetrics {
  /** `flotilla_client_calls_total`: calls by target and outcome. */
  readonly calls: Counter<'target' | 'outcome'>;
  /** `flotilla_client_call_duration_seconds`: whole calls, retries included. */
  readonly duration: Histogram<'target' | 'outcome'>;
  /** `flotilla_client_attempts_total`: requests sent, first attempts and retries. */
  readonly attempts: Counter<'target'>;
  /** `flotilla_client_retries_total`: attempts after the first. */
  readonly retries: Counter<'target'>;
  /** `flotilla_client_retry_budget_exhausted_total`: retries the budget refused. */
  readonly retryBudgetExhausted: Counter<'target'>;
  /** One series per state; the current one is 1 (the Prometheus way to expose an enum). */
  readonly breakerState: Gauge<'target' | 'state'>;
  /** `flotilla_client_bulkhead_rejections_total`: calls refused with the bulkhead full. */
  readonly bulkheadRejections: Counter<'target'>;
}

// Same buckets as the HTTP server histogram (OpenTelemetry's HTTP conventions), in seconds.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const byRegistry = new WeakMap<Registry, ClientMetrics>();

/** The client metrics on `registry`, registered once however often asked. */
export function clientMetrics(registry: Registry): ClientMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: ClientMetrics = {
    calls: new Counter({
      name: 'flotilla_client_calls_total',
      help: 'Calls made through the service client, by target service and outcome.',
      labelNames: ['target', 'outcome'] as const,
      registers,
    }),
    duration: new Histogram({
      name: 'flotilla_client_call_duration_seconds',
      help: 'Duration of service client calls, retries and backoff included.',
      labelNames: ['target', 'outcome'] as const,
      buckets: BUCKETS,
      registers,
    }),
    attempts: new Counter({
      name: 'flotilla_client_attempts_total',
      help: 'HTTP requests sent to upstream instances (first attempts and retries).',
      labelNames: ['target'] as const,
      registers,
    }),
    retries: new Counter({
      name: 'flotilla_client_retries_total',
      help: 'Retries made by the service client.',
      labelNames: ['target'] as const,
      registers,
    }),
    retryBudgetExhausted: new Counter({
      name: 'flotilla_client_retry_budget_exhausted_total',
      help: 'Retries not made because the retry budget was spent.',
      labelNames: ['target'] as const,
      registers,
    }),
    breakerState: new Gauge({
      name: 'flotilla_client_breaker_state',
      help: 'Circuit breaker state per target: 1 for the current state, 0 for the others.',
      labelNames: ['target', 'state'] as const,
      registers,
    }),
    bulkheadRejections: new Counter({
      name: 'flotilla_client_bulkhead_rejections_total',
      help: 'Calls rejected because the bulkhead of their target was full.',
      labelNames: ['target'] as const,
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
