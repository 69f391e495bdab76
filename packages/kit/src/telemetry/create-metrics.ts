import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** A service's Prometheus metrics, served at `/metrics`. */
export interface ServiceMetrics {
  /** Register the service's own metrics here. */
  readonly registry: Registry;
  /** OpenTelemetry's `http.server.request.duration`, in Prometheus naming. */
  readonly httpServerDuration: Histogram<'http_request_method' | 'http_route' | 'http_response_status_code'>;
}

// Buckets from OpenTelemetry's HTTP semantic conventions, in seconds.
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** One registry per process: process metrics plus the HTTP server histogram. */
export function createMetrics(labels: { service: string; instance?: string }): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({
    service: labels.service,
    ...(labels.instance ? { instance: labels.instance } : {}),
  });
  collectDefaultMetrics({ register: registry });
  const httpServerDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    labelNames: ['http_request_method', 'http_route', 'http_response_status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  return { registry, httpServerDuration };
}
