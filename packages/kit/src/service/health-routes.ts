import { FlotillaError } from '../errors/index.js';
import { type HealthMonitor, healthProbes } from '../health/index.js';
import { type HttpServer, sendProblem } from '../http/index.js';

/** `/health/live`, `/health/ready` and `/health/started`; a failing probe answers a 503 problem. */
export function registerHealthRoutes(app: HttpServer, health: HealthMonitor): void {
  const hidden = { schema: { hide: true }, config: { untraced: true } };
  for (const [path, probe] of Object.entries(healthProbes(health))) {
    app.get(path, hidden, async (request, reply) => {
      const answer = await probe();
      return answer instanceof FlotillaError ? sendProblem(request, reply, answer) : answer;
    });
  }
}
