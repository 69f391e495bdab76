import type { ServiceMetrics } from '@flotilla/kit/telemetry';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { RateLimiter } from './rate-limit/rate-limiter.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The gateway's own series, beside the kit's process and HTTP server metrics. */
export class GatewayMetrics {
  readonly #server: ServiceMetrics['httpServerDuration'];
  readonly #upstream: Histogram<'upstream' | 'http_response_status_code'>;
  readonly #rateLimited: Counter<'http_route'>;
  readonly #shed: Counter;
  readonly #breakerOpen: Gauge<'upstream'>;
  // prom-client hashes the label set on every observe; a child per label set skips that.
  readonly #children = new Map<string, { observe(value: number): void }>();

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
    const key = `s ${method} ${route} ${status}`;
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.#server.labels(method, route, String(status));
      this.#children.set(key, child);
    }
    child.observe(seconds);
  }

  upstream(service: string, status: number, seconds: number): void {
    const key = `u ${service} ${status}`;
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.#upstream.labels(service, String(status));
      this.#children.set(key, child);
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
