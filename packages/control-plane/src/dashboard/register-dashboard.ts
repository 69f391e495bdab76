import { fileURLToPath } from 'node:url';
import type { HttpServer } from '@flotilla/kit/http';
import { Type } from '@sinclair/typebox';
import { callInstance } from './call-instance.js';
import { readConsumerLag } from './consumer-lag.js';
import { DashboardMonitor } from './dashboard-monitor.js';
import { type DashboardOptions, defaultInstancePaths } from './dashboard-options.js';
import { registerExplorerRoutes } from './explorer-routes.js';
import { instanceCall } from './instance-call.js';
import { registerJobsRoutes } from './jobs-routes.js';
import { registerLineageRoutes } from './lineage-routes.js';
import type { TransportOverview } from './overview.js';
import { pickInstance } from './pick-instance.js';
import { readDeadLetters } from './read-dead-letters.js';
import { serveUi } from './serve-ui.js';

const UI_DIRECTORY = fileURLToPath(new URL('../../ui/', import.meta.url));

const ServiceParams = Type.Object({
  service: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' }),
});
const DeadLetterParams = Type.Object({
  service: ServiceParams.properties.service,
  id: Type.String({ minLength: 1, maxLength: 200 }),
});

/**
 * Mounts the dashboard on the control plane's server: the page under `/ui/`, its live data at
 * `GET /api/overview`, and the dead-letter list and redrive of a service proxied to one of its
 * passing instances. Traces come from the traces module's own API, which the page calls directly.
 * `GET /api/transport` is the transport with its consumer groups' lag read afresh, for `flotilla status`.
 * The API explorer's, the jobs panel's and event lineage's routes are in `explorer-routes.ts`,
 * `jobs-routes.ts` and `lineage-routes.ts`.
 */
export function registerDashboard(app: HttpServer, options: DashboardOptions): void {
  const monitor = new DashboardMonitor(options);
  const paths = { ...defaultInstancePaths, ...options.paths };
  const call = instanceCall(options);
  app.addHook('onClose', async () => monitor.close());

  app.get('/api/overview', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return monitor.overview();
  });

  app.get('/api/transport', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    const transport = options.transport?.();
    if (!transport) return { transport: null };
    const lag = options.consumerLag ? await readConsumerLag(options.consumerLag) : {};
    return { transport: { ...transport, ...lag } satisfies TransportOverview };
  });

  app.get(
    '/api/services/:service/dead-letters',
    { schema: { hide: true, params: ServiceParams } },
    async (request, reply) => {
      const { service } = request.params;
      const instance = pickInstance(await monitor.listServices(), service);
      const answer = await callInstance(instance, paths.deadLetters, { ...call, service });
      reply.header('cache-control', 'no-store');
      return { service, instance: instance.id, deadLetters: readDeadLetters(answer.body) };
    },
  );

  app.post(
    '/api/services/:service/dead-letters/:id/redrive',
    { schema: { hide: true, params: DeadLetterParams } },
    async (request, reply) => {
      const { service, id } = request.params;
      const instance = pickInstance(await monitor.listServices(), service);
      const path = `${paths.deadLetters}/${encodeURIComponent(id)}/redrive`;
      const answer = await callInstance(instance, path, { ...call, service, method: 'POST' });
      return reply.code(200).send({ service, id, instance: instance.id, result: answer.body ?? null });
    },
  );

  const listServices = () => monitor.listServices();
  const gatewayName = options.gatewayName ?? 'gateway';
  registerExplorerRoutes(app, {
    listServices,
    gatewayName,
    gatewayUrl: options.gatewayUrl,
    fetch: call.fetch,
    timeoutMs: 30_000,
    maxBodyChars: 1024 * 1024,
  });
  registerJobsRoutes(app, { listServices, gatewayName, call });
  registerLineageRoutes(app, { listServices, call });
  serveUi(app, UI_DIRECTORY);
}
