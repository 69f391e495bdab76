import type { HttpServer } from '../http/index.js';
import type { ServiceMetrics } from '../telemetry/index.js';

export function registerMetricsRoute(app: HttpServer, metrics: ServiceMetrics): void {
  app.get('/metrics', { schema: { hide: true }, config: { untraced: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
