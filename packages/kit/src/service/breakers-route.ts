import type { ServiceClients } from '../client/index.js';
import type { HttpServer } from '../http/index.js';

/**
 * `GET /internal/breakers`: the state of this process's breaker per target, as JSON, for the
 * dashboard and `flotilla status`. Internal: the gateway must not route `/internal/*`.
 */
export function registerBreakersRoute(app: HttpServer, clients: ServiceClients): void {
  app.get('/internal/breakers', { schema: { hide: true }, config: { untraced: true } }, async () => ({
    breakers: clients.breakers(),
  }));
}
