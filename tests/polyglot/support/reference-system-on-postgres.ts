import { join } from 'node:path';
import { kill, repositoryRoot, type SpawnedService, spawnService } from '../../support/spawn-service.js';
import { onDatabase } from './on-database.js';

const REFERENCE_SERVICES = ['users', 'orders', 'notifications'] as const;

export interface ReferenceSystemOptions {
  /** Names this run's databases (`<run>_<service>`) apart from other runs' on the same server. */
  readonly run: string;
  /** The server's URL; each service gets a database of its own on it. */
  readonly postgresUrl: string;
  /** The services joining the reference ones, each with a database of its own too. */
  readonly guests: readonly string[];
  /** The broker the services' events go through. */
  readonly eventsUrl: string;
  /** Where the control plane keeps its registry snapshot. */
  readonly scratch: string;
  /** On top of the control plane's own settings. */
  readonly controlPlaneEnvironment?: Record<string, string>;
}

/** The reference system (control plane, users, orders, notifications, gateway) on real PostgreSQL. */
export interface ReferenceSystemOnPostgres {
  readonly controlPlane: SpawnedService;
  readonly users: SpawnedService;
  readonly gateway: SpawnedService;
  /** The database of `service` (a reference one or a guest). */
  databaseOf(service: string): string;
  /** The OpenTelemetry settings that send a process's spans to the control plane. */
  otel(): Record<string, string>;
  /** Spawns a process (a guest, say) that `stop` ends with the rest. */
  start(entry: string | string[], environment: Record<string, string>): Promise<SpawnedService>;
  /** Ends every process (users thawed first if frozen) and drops the databases. */
  stop(): Promise<void>;
}

export async function startReferenceSystemOnPostgres(
  options: ReferenceSystemOptions,
): Promise<ReferenceSystemOnPostgres> {
  const databases = [...REFERENCE_SERVICES, ...options.guests];
  const databaseOf = (service: string) => {
    const url = new URL(options.postgresUrl);
    url.pathname = `/${options.run}_${service}`;
    return url.href;
  };
  const started: SpawnedService[] = [];
  const start = async (entry: string | string[], environment: Record<string, string>) => {
    const service = await spawnService(entry, environment, 90_000);
    started.push(service);
    return service;
  };
  const stop = async () => {
    for (const service of started) service.child.kill('SIGCONT');
    await Promise.all(started.map(kill));
    await onDatabase(options.postgresUrl, async (admin) => {
      for (const service of databases)
        await admin.query(`DROP DATABASE IF EXISTS "${options.run}_${service}" WITH (FORCE)`);
    });
  };

  await onDatabase(options.postgresUrl, async (admin) => {
    for (const service of databases) await admin.query(`CREATE DATABASE "${options.run}_${service}"`);
  });
  try {
    const controlPlane = await start(join(repositoryRoot, 'packages/control-plane/src/main.ts'), {
      PORT: '0',
      LOG_LEVEL: 'info',
      REGISTRY_SNAPSHOT_PATH: join(options.scratch, 'registry.json'),
      CHECK_TICK: '20ms',
      ...options.controlPlaneEnvironment,
    });
    const otel = () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: controlPlane.url, OTEL_BSP_SCHEDULE_DELAY: '200' });
    const startReference = (service: (typeof REFERENCE_SERVICES)[number]) =>
      start(join(repositoryRoot, 'services', service, 'src/main.ts'), {
        LOG_LEVEL: 'info',
        DATABASE_URL: databaseOf(service),
        DB_POOL_MAX: '3',
        REGISTRY_URL: controlPlane.url,
        // Users is checked once a minute: frozen, it stays listed as passing, so a guest's calls
        // reach it and time out — the slow dependency its breaker is for.
        REGISTRY_CHECK_INTERVAL: service === 'users' ? '1m' : '300ms',
        REGISTRY_CHECK_TIMEOUT: '2s',
        REGISTRY_SYNC_INTERVAL: '500ms',
        EVENTS_URL: options.eventsUrl,
        ...otel(),
      });
    // One at a time: processes starting at once starve a 2-core machine.
    await startReference('notifications');
    await startReference('orders');
    const users = await startReference('users');
    const gateway = await start(join(repositoryRoot, 'packages/gateway/src/main.ts'), {
      PORT: '0',
      LOG_LEVEL: 'info',
      REGISTRY_URL: controlPlane.url,
      REGISTRY_ROUTES_REFRESH: '300ms',
      RATE_LIMIT: '0',
      // The gateway relays a guest's answers as they are: no retry, no breaker of its own.
      ROUTE_RETRIES: '0',
      BREAKER_THRESHOLD: '1000',
      ...otel(),
    });
    return { controlPlane, users, gateway, databaseOf, otel, start, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
