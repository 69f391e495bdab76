import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { repositoryRoot, type SpawnedService, spawnService } from '../../support/spawn-service.js';
import { until } from '../../support/until.js';

export const SERVICES = ['users', 'orders', 'notifications'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface SystemOptions {
  /** PostgreSQL server; each service gets a fresh database of its own on it. */
  readonly databaseUrl: string;
  /** Instances per service (2 by default). */
  readonly instances?: number;
  /** Added to every service's environment (e.g. EVENTS_URL, SHUTDOWN_DELAY). */
  readonly serviceEnvironment?: Record<string, string>;
  /** Per service, on top of `serviceEnvironment`. */
  readonly environmentOf?: (service: ServiceName, database: string) => Record<string, string>;
  /** Added to the gateway's environment (rate limits are off unless set here). */
  readonly gatewayEnvironment?: Record<string, string>;
}

/** One running copy of a service, as the registry knows it. */
export interface Instance {
  readonly service: ServiceName;
  readonly process: SpawnedService;
  /** Its registration id (`users-1a2b3c4d`). */
  readonly id: string;
}

/**
 * The reference system as separate processes — control plane, gateway, N instances each of users,
 * orders and notifications on PostgreSQL — registered in the control plane, with the means to
 * restart any part of it. Every process is stopped and every database dropped by `stop()`.
 */
export class RunningSystem {
  readonly instances: Instance[] = [];
  /** Every instance that ever ran, stopped ones included (for counting registrations). */
  readonly everyInstance: Instance[] = [];
  gateway!: SpawnedService;
  controlPlane: SpawnedService | undefined;
  #controlPlanePort = 0;
  readonly #scratch = mkdtempSync(join(tmpdir(), 'flotilla-reliability-'));
  readonly #prefix = `rel_${randomBytes(4).toString('hex')}`;
  readonly #databases = new Map<ServiceName, string>();

  private constructor(private readonly options: SystemOptions) {}

  static async start(options: SystemOptions): Promise<RunningSystem> {
    const system = new RunningSystem(options);
    try {
      await system.#start();
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  get controlPlaneUrl(): string {
    return `http://127.0.0.1:${this.#controlPlanePort}`;
  }

  /** The PostgreSQL URL of a service's own database (directly, not through any proxy). */
  databaseOf(service: ServiceName): string {
    const url = new URL(this.options.databaseUrl);
    url.pathname = `/${this.#databases.get(service)}`;
    return url.href;
  }

  /** One query on a service's database, on a connection of its own. */
  async query<R extends pg.QueryResultRow>(service: ServiceName, sql: string): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.databaseOf(service) });
    await client.connect();
    try {
      return (await client.query<R>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  /**
   * Orders placed against notifications recorded, by order id: `lost` orders have none yet,
   * `duplicated` ones more than one.
   */
  async orderNotifications(): Promise<{ orders: number; lost: number; duplicated: number }> {
    const orders = await this.query<{ id: string }>('orders', 'SELECT id FROM orders');
    const notified = await this.query<{ order_id: string; copies: number }>(
      'notifications',
      'SELECT order_id, count(*)::int AS copies FROM notifications GROUP BY order_id',
    );
    const copies = new Map(notified.map((row) => [row.order_id, row.copies]));
    return {
      orders: orders.length,
      lost: orders.filter((order) => !copies.has(order.id)).length,
      duplicated: notified.filter((row) => row.copies > 1).length,
    };
  }

  /**
   * `orderNotifications()` once every order has its notification, or as it stands after
   * `timeoutMs` (a relay retrying with backoff may need most of a minute after a long fault).
   */
  async settledNotifications(
    timeoutMs = 60_000,
  ): Promise<{ orders: number; lost: number; duplicated: number }> {
    return until(
      'every order to have its notification',
      async () => {
        const now = await this.orderNotifications();
        return now.lost === 0 ? now : undefined;
      },
      timeoutMs,
    ).catch(() => this.orderNotifications());
  }

  async #start(): Promise<void> {
    const admin = new pg.Client({ connectionString: this.options.databaseUrl });
    await admin.connect();
    try {
      for (const service of SERVICES) {
        const name = `${this.#prefix}_${service}`;
        await admin.query(`CREATE DATABASE "${name}"`);
        this.#databases.set(service, name);
      }
    } finally {
      await admin.end();
    }
    await this.startControlPlane();
    this.gateway = await spawnService(join(repositoryRoot, 'packages/gateway/src/main.ts'), {
      ...quiet,
      PORT: '0',
      REGISTRY_URL: this.controlPlaneUrl,
      ROUTES_FILE: join(repositoryRoot, 'packages/gateway/routes.json'),
      RATE_LIMIT: '0',
      // Shedding on a 200 ms event-loop stall is right in production, but on a shared 2-core test
      // machine other processes cause such stalls; scenarios measure their fault, not the neighbours.
      SHED_EVENT_LOOP_LAG: '1s',
      ...this.options.gatewayEnvironment,
    });
    // Consumers first, and one service at a time: processes starting at once starve 2 cores.
    for (const service of [...SERVICES].reverse()) {
      await Promise.all(
        Array.from({ length: this.options.instances ?? 2 }, () => this.startInstance(service)),
      );
    }
  }

  /** Starts the control plane, on the port it had before if it ran already, with its snapshot. */
  async startControlPlane(): Promise<void> {
    this.controlPlane = await spawnService(
      join(repositoryRoot, 'packages/control-plane/src/main.ts'),
      {
        ...quiet,
        PORT: String(this.#controlPlanePort),
        REGISTRY_SNAPSHOT_PATH: join(this.#scratch, 'registry.json'),
        CHECK_TICK: '20ms',
      },
      60_000,
    );
    this.#controlPlanePort = Number(new URL(this.controlPlane.url).port);
  }

  /** SIGTERM to the control plane; resolves once it has exited. */
  async stopControlPlane(): Promise<void> {
    await terminate(this.controlPlane);
    this.controlPlane = undefined;
  }

  /** Starts one more instance of `service` and waits until the registry reports it passing. */
  async startInstance(service: ServiceName): Promise<Instance> {
    const database = this.databaseOf(service);
    const process = await spawnService(
      join(repositoryRoot, 'services', service, 'src/main.ts'),
      {
        ...quiet,
        DATABASE_URL: database,
        // The PostgreSQL server is shared (100 connections in all): a few per instance serve this load.
        DB_POOL_MAX: '3',
        REGISTRY_URL: this.controlPlaneUrl,
        // A short interval so the registry follows restarts quickly, but a timeout long enough that
        // a probe delayed by a busy machine does not count as the instance failing.
        REGISTRY_CHECK_INTERVAL: '300ms',
        REGISTRY_CHECK_TIMEOUT: '2s',
        REGISTRY_SYNC_INTERVAL: '500ms',
        ...this.options.serviceEnvironment,
        ...this.options.environmentOf?.(service, database),
      },
      60_000,
    );
    const id = await until(
      `${service} to register`,
      () => /"instance":"([^"]+)"[^\n]*"msg":"registered"/.exec(process.stdout.join(''))?.[1],
    );
    const instance = { service, process, id };
    this.instances.push(instance);
    this.everyInstance.push(instance);
    await until(`${id} to pass its checks`, async () => (await this.passing(service)).includes(id));
    return instance;
  }

  /** Ids of the instances of `service` the registry reports passing. */
  async passing(service: ServiceName): Promise<string[]> {
    try {
      const response = await fetch(`${this.controlPlaneUrl}/v1/health/service/${service}?passing=true`, {
        signal: AbortSignal.timeout(2_000),
      });
      const entries = (await response.json()) as { Service: { ID: string } }[];
      return entries.map((entry) => entry.Service.ID);
    } catch {
      return [];
    }
  }

  /**
   * SIGTERM to one instance and a replacement started at the same time (as a supervisor or
   * Kubernetes would); resolves once the old one has exited and the new one passes its checks.
   */
  async restart(instance: Instance): Promise<{ exit: number | null; replacement: Instance }> {
    this.instances.splice(this.instances.indexOf(instance), 1);
    const [exit, replacement] = await Promise.all([
      terminate(instance.process),
      this.startInstance(instance.service),
    ]);
    return { exit, replacement };
  }

  /** How many times each instance that ever ran logged a registration (first or again). */
  registrations(): Map<string, number> {
    return new Map(
      this.everyInstance.map((instance) => [
        instance.id,
        instance.process.stdout.join('').match(/"msg":"registered[^"]*"/g)?.length ?? 0,
      ]),
    );
  }

  async stop(): Promise<void> {
    const everything = [
      ...this.instances.map((instance) => instance.process),
      this.gateway,
      this.controlPlane,
    ];
    await Promise.all(everything.map((process) => terminate(process, 'SIGKILL')));
    const admin = new pg.Client({ connectionString: this.options.databaseUrl });
    await admin.connect();
    try {
      for (const name of this.#databases.values()) {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
    } finally {
      await admin.end();
    }
    rmSync(this.#scratch, { recursive: true, force: true });
  }
}

/** Info level: the "listening" and "registered" lines are what the helper reads. No tracing. */
const quiet = { LOG_LEVEL: 'info', OTEL_SDK_DISABLED: 'true' };

/** Signals a process (if still running) and resolves with its exit code once it has exited. */
async function terminate(
  process: SpawnedService | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (!process) return null;
  if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill(signal);
  return (await process.exited).code;
}
