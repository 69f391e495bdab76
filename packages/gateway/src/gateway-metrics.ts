import type { ServiceMetrics } from '@flotilla/kit/telemetry';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { RateLimiter } from './policies/rate-limit/rate-limiter.js';

interface Observer {
  observe(value: number): void;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The gateway's own series, beside the kit's process and HTTP server metrics. */
export class GatewayMetrics {
  readonly #server: ServiceMetrics['httpServerDuration'];
  readonly #upstream: Histogram<'upstream' | 'http_response_status_code'>;
  readonly #rateLimited: Counter<'http_route'>;
  readonly #shed: Counter;
  readonly #breakerOpen: Gauge<'upstream'>;
  // prom-client validates and hashes the label set on every observe of the histogram; a child
  // per label set, found by plain lookups (no key string built per request), skips that.
  readonly #serverChildren = new Map<string, Map<string, Map<number, Observer>>>();
  readonly #upstreamChildren = new Map<string, Map<number, Observer>>();

  constructor(metrics: ServiceMetrics, rateLimiter: RateLimiter) {
    const registers = [metrics.registry];
    this.#server = metrics.httpServerDuration;
    this.#upstream = new Histogram({
      name: 'gateway_upstream_request_duration_seconds',
      help: 'Duration of requests forwarded to upstream services, by upstream and status.',
      labelNames: ['upstream', 'http_response_status_code'] as const,
      buckets: BUCKETS,
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'gateway_rate_limited_requests_total',
      help: 'Requests refused with 429 by the rate limiter.',
      labelNames: ['http_route'] as const,
      registers,
    });
    this.#shed = new Counter({
      name: 'gateway_shed_requests_total',
      help: 'Requests refused with 503 because the gateway was overloaded.',
      registers,
    });
    this.#breakerOpen = new Gauge({
      name: 'gateway_upstream_circuit_open',
      help: '1 while the circuit breaker of an upstream service is open or half-open.',
      labelNames: ['upstream'] as const,
      registers,
    });
    new Gauge({
      name: 'gateway_rate_limit_local_fallback',
      help: '1 while shared (Redis) rate limits are unreachable and local limits apply.',
      registers,
      collect() {
        this.set(rateLimiter.usingFallback === true ? 1 : 0);
      },
    });
  }

  request(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.#serverChildren.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#serverChildren.set(route, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      byMethod.set(method, byStatus);
    }
    let child = byStatus.get(status);
    if (child === undefined) {
      child = this.#server.labels(method, route, String(status));
      byStatus.set(status, child);
    }
    child.observe(seconds);
  }

  upstream(service: string, status: number, seconds: number): void {
    let byStatus = this.#upstreamChildren.get(service);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.#upstreamChildren.set(service, byStatus);
    }
    let child = byStatus.get(status);
    if (child === undefined) {
      child = this.#upstream.labels(service, String(status));
      byStatus.set(status, child);
    }
    child.observe(seconds);
  }

  rateLimited(route: string): void {
    this.#rateLimited.inc({ http_route: route });
  }

  shed(): void {
    this.#shed.inc();
  }

  breaker(service: string, open: boolean): void {
    this.#breakerOpen.set({ upstream: service }, open ? 1 : 0);
  }
}
