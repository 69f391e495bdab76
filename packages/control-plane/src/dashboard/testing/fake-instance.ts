import { createHttpServer, type HttpServer } from '@flotilla/kit/http';
import { createLogger } from '@flotilla/kit/telemetry';
import { Histogram, Registry } from 'prom-client';
import type { InstanceView } from '../dashboard-options.js';

export interface FakeInstanceOptions {
  readonly service: string;
  /** Requests recorded before each scrape, as `[route, status, seconds]`. */
  readonly traffic?: readonly (readonly [string, number, number])[];
  /** Served at `/internal/breakers`; 404 when absent. */
  readonly breakers?: unknown;
  /** Extra exposition lines appended to `/metrics` (gauges the kit does not make yet). */
  readonly extraMetrics?: string;
  /** Served at `/events/dead-letters`; 404 when absent. Redrive removes an entry. */
  readonly deadLetters?: { id: string; [key: string]: unknown }[];
  /** Served at `/events/lineage` whatever the query; 404 when absent. */
  readonly lineage?: unknown;
}

export interface FakeInstance {
  readonly app: HttpServer;
  readonly view: InstanceView;
  readonly redriven: string[];
  close(): Promise<void>;
}

/**
 * A real HTTP instance exposing what the dashboard reads: prom-client's real histogram output that
 * grows by `traffic` at every scrape, and optionally breakers, dead letters and an event's lineage.
 */
export async function fakeInstance(id: string, options: FakeInstanceOptions): Promise<FakeInstance> {
  const app = await createHttpServer({
    name: options.service,
    version: '0.1.0',
    logger: createLogger({ name: options.service, level: 'silent' }),
  });
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  const histogram = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    labelNames: ['http_request_method', 'http_route', 'http_response_status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [registry],
  });
  const redriven: string[] = [];
  app.get('/metrics', async (_request, reply) => {
    for (const [route, status, seconds] of options.traffic ?? []) {
      histogram.observe(
        { http_request_method: 'GET', http_route: route, http_response_status_code: String(status) },
        seconds,
      );
    }
    return reply.type(registry.contentType).send(`${await registry.metrics()}${options.extraMetrics ?? ''}`);
  });
  if (options.breakers !== undefined) app.get('/internal/breakers', async () => options.breakers);
  if (options.lineage !== undefined) app.get('/events/lineage', async () => options.lineage);
  const deadLetters = options.deadLetters;
  if (deadLetters) {
    app.get('/events/dead-letters', async () => ({ items: deadLetters }));
    app.post<{ Params: { id: string } }>('/events/dead-letters/:id/redrive', async (request, reply) => {
      const index = deadLetters.findIndex((letter) => letter.id === request.params.id);
      if (index < 0) {
        return reply.code(404).type('application/problem+json').send({
          status: 404,
          code: 'NOT_FOUND',
          title: 'Resource not found',
          detail: 'no such dead letter',
        });
      }
      deadLetters.splice(index, 1);
      redriven.push(request.params.id);
      return reply.code(202).send({ redriven: request.params.id });
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    redriven,
    view: { id, address: '127.0.0.1', port, health: 'passing', meta: { version: '0.1.0' } },
    close: () => app.close(),
  };
}
