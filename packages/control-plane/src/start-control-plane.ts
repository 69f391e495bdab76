import { randomUUID } from 'node:crypto';
import { createHttpServer, type HttpServer, urlHost } from '@flotilla/kit/http';
import type { Logger } from '@flotilla/kit/telemetry';
import { consulRoutes } from './consul-api/consul-routes.js';
import {
  type ConsumerLagReader,
  consulServices,
  registerDashboard,
  supervisorProblems,
  type TransportView,
} from './dashboard/index.js';
import { LogStore, registerLogRoutes } from './logs/index.js';
import { persistTelemetry } from './persistence/telemetry-snapshot.js';
import { CheckRunner } from './registry/check-runner.js';
import { ServiceCatalog } from './registry/service-catalog.js';
import { loadSnapshot, SnapshotWriter } from './registry/snapshot-file.js';
import { registerTraceRoutes, TraceStore } from './traces/index.js';

export interface ControlPlaneOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** Where registrations are saved to survive a restart; none when undefined. */
  readonly snapshotPath?: string;
  /** Where recent traces and log lines are saved to survive a restart; none when undefined. */
  readonly telemetrySnapshotPath?: string;
  readonly datacenter?: string;
  readonly nodeName?: string;
  /** How often checks, TTLs and reaping are looked at (ms). */
  readonly checkTickMs?: number;
  /** The events transport the system uses, shown in the dashboard's topology. */
  readonly transport?: TransportView;
  /** Reads the transport's consumer lag (Kafka); closed when the control plane stops. */
  readonly consumerLag?: ConsumerLagReader;
  /** The gateway the dashboard's API explorer sends through; the registered `gateway` by default. */
  readonly gatewayUrl?: string;
  /**
   * The control endpoint of the `flotilla start` running the system, whose processes' build and
   * syntax problems (under `--watch`) the dashboard shows; none when undefined.
   */
  readonly supervisorUrl?: string;
}

export interface RunningControlPlane {
  readonly url: string;
  readonly port: number;
  readonly app: HttpServer;
  readonly catalog: ServiceCatalog;
  /** Stops checking, answers pending blocking queries, writes the last snapshot, closes. */
  stop(): Promise<void>;
}

/**
 * The control plane: the Consul-compatible registry under `/v1`, the OTLP/HTTP trace and logs
 * receivers (`POST /v1/traces`, `POST /v1/logs`) with their APIs (`/api/traces`, `/api/logs`), event
 * lineage fanned out to the services (`/api/events/lineage`), and the dashboard (`/ui`, `/api/overview`).
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<RunningControlPlane> {
  const { logger } = options;
  const catalog = new ServiceCatalog();
  const snapshot = options.snapshotPath ? await loadSnapshot(options.snapshotPath, logger) : undefined;
  if (snapshot) {
    catalog.restore(snapshot);
    logger.info(
      { services: snapshot.services.length, path: options.snapshotPath },
      'registrations restored; every check is critical until it runs again',
    );
  }
  const writer = options.snapshotPath ? new SnapshotWriter(options.snapshotPath, logger) : undefined;
  const persist = () => writer?.request(() => catalog.snapshot());
  // Reaping deregisters services too: persist on any registration change, not only API calls.
  let lastPersistedIndex = catalog.catalogIndex;
  const runner = new CheckRunner({
    catalog,
    logger,
    ...(options.checkTickMs ? { tickMs: options.checkTickMs } : {}),
  });

  const app = await createHttpServer({ name: 'control-plane', version: '0.1.0', logger });
  app.get('/health/live', { schema: { hide: true } }, async () => ({ status: 'pass' }));
  app.get('/health/ready', { schema: { hide: true } }, async () => ({ status: 'pass' }));
  const node = {
    id: randomUUID(),
    name: options.nodeName ?? 'flotilla',
    address: '127.0.0.1',
    datacenter: options.datacenter ?? 'dc1',
  };
  await app.register(
    async (scope) =>
      consulRoutes(scope, {
        catalog,
        node,
        onRegistrationChange: () => {
          lastPersistedIndex = catalog.catalogIndex;
          persist();
        },
      }),
    // Blocking queries and checks make this API chatty; its access lines are debug-level noise.
    { prefix: '/v1', logLevel: 'warn' },
  );
  const traces = new TraceStore();
  const logs = new LogStore();
  const telemetry = options.telemetrySnapshotPath
    ? await persistTelemetry({ path: options.telemetrySnapshotPath, traces, logs, logger })
    : undefined;
  await registerTraceRoutes(app, traces);
  await registerLogRoutes(app, logs);
  // The dashboard reads the registry through its own Consul API, like any other client would.
  let selfUrl = '';
  registerDashboard(app, {
    listServices: () => consulServices(selfUrl)(),
    ...(options.transport ? { transport: () => options.transport } : {}),
    ...(options.consumerLag ? { consumerLag: options.consumerLag } : {}),
    ...(options.gatewayUrl ? { gatewayUrl: options.gatewayUrl } : {}),
    ...(options.supervisorUrl ? { processProblems: supervisorProblems(options.supervisorUrl) } : {}),
  });
  const reapWatch = setInterval(() => {
    if (catalog.catalogIndex !== lastPersistedIndex) {
      lastPersistedIndex = catalog.catalogIndex;
      persist();
    }
  }, 500);
  reapWatch.unref();

  runner.start();
  if (snapshot) {
    // Answer nothing until the restored HTTP checks have run once: reporting every instance
    // critical in the meantime would empty every watcher's list and stop all routing.
    await runner.settled();
  }
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${urlHost(options.host)}:${port}`;
  selfUrl = url;
  logger.info({ url, dashboard: `${url}/ui` }, 'control plane listening');

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    clearInterval(reapWatch);
    await runner.stop();
    catalog.close();
    persist();
    await writer?.flush();
    await app.close();
    await telemetry?.stop();
    await options.consumerLag?.close();
  };
  return { url, port, app, catalog, stop: () => (stopping ??= stop()) };
}
