import type { PrometheusSample } from './parse-prometheus-text.js';

/** Cumulative request counters of one instance at one scrape. */
export interface HttpTotals {
  readonly requests: number;
  /** Requests answered 5xx: the server's failures, not the client's. */
  readonly errors: number;
  /** Cumulative histogram buckets (upper bound in seconds → count), summed over routes. */
  readonly buckets: ReadonlyMap<number, number>;
}

const HISTOGRAM = 'http_server_request_duration_seconds';
// Probes and scrapes (the registry's health checks, this dashboard's own polling) are not traffic.
const HOUSEKEEPING_ROUTE = /^\/(health|metrics|internal)(\/|$)/;

/**
 * Sums the HTTP server histogram of one scrape over every route that is real traffic; `ignoredRoutes`
 * are the routes the dashboard itself polls.
 */
export function httpTotals(
  samples: readonly PrometheusSample[],
  ignoredRoutes: ReadonlySet<string> = new Set(),
): HttpTotals | undefined {
  let requests = 0;
  let errors = 0;
  let seen = false;
  const buckets = new Map<number, number>();
  for (const sample of samples) {
    if (!sample.name.startsWith(HISTOGRAM)) continue;
    const route = sample.labels.http_route ?? '';
    if (HOUSEKEEPING_ROUTE.test(route) || ignoredRoutes.has(route)) continue;
    if (sample.name === `${HISTOGRAM}_count`) {
      seen = true;
      requests += sample.value;
      if (Number(sample.labels.http_response_status_code) >= 500) errors += sample.value;
    } else if (sample.name === `${HISTOGRAM}_bucket`) {
      const bound = Number(sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : sample.labels.le);
      if (!Number.isNaN(bound)) buckets.set(bound, (buckets.get(bound) ?? 0) + sample.value);
    }
  }
  return seen ? { requests, errors, buckets } : undefined;
}

/**
 * What happened between two scrapes. A counter that went down means the instance restarted, so the
 * later totals are the whole increase (Prometheus' reset rule).
 */
export function httpIncrease(earlier: HttpTotals, later: HttpTotals): HttpTotals {
  if (later.requests < earlier.requests) return later;
  const buckets = new Map<number, number>();
  for (const [bound, count] of later.buckets) {
    buckets.set(bound, Math.max(0, count - (earlier.buckets.get(bound) ?? 0)));
  }
  return {
    requests: later.requests - earlier.requests,
    errors: Math.max(0, later.errors - earlier.errors),
    buckets,
  };
}
