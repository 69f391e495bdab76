import { FlotillaError } from '../errors/index.js';
import type { HealthMonitor } from '../health/index.js';
import { type HttpServer, sendProblem } from '../http/index.js';

/** `/health/live`, `/health/ready` and `/health/started`; a failing probe answers a 503 problem. */
export function registerHealthRoutes(app: HttpServer, health: HealthMonitor): void {
  const hidden = { schema: { hide: true } };
  app.get('/health/live', hidden, async () => ({ status: 'pass' }));
  app.get('/health/started', hidden, async (request, reply) =>
    health.started
      ? { status: 'pass' }
      : sendProblem(request, reply, new FlotillaError('NOT_READY', { detail: 'still starting' })),
  );
  app.get('/health/ready', hidden, async (request, reply) => {
    const report = await health.readiness();
    if (report.status === 'pass') return report;
    return sendProblem(
      request,
      reply,
      new FlotillaError('NOT_READY', {
        detail: 'a readiness check failed',
        extensions: { checks: report.checks },
      }),
    );
  });
}
