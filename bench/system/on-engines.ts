import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { root } from './start-system.js';

interface ProcessEntry {
  readonly name: string;
  readonly role?: string;
  readonly entry: string;
  readonly env?: Record<string, string>;
}

/** The repository's system on PostgreSQL and RabbitMQ: a config file naming them, and their cleanup. */
export interface OnEngines {
  readonly config: string;
  drop(): Promise<void>;
}

async function onServer(url: string, sql: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of sql) await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * The repository's `flotilla.config` with each service given a database of its own on the
 * PostgreSQL at `postgresUrl` and its events on a RabbitMQ vhost of its own (exchange and queue
 * names are the same in every system on a broker), written to `directory`. Entries are made
 * absolute, since the file no longer sits beside them.
 */
export async function onEngines(postgresUrl: string, amqpUrl: string, directory: string): Promise<OnEngines> {
  const run = `bench_${randomBytes(4).toString('hex')}`;
  const system = JSON.parse(readFileSync(join(root, 'flotilla.config'), 'utf8')) as {
    processes: ProcessEntry[];
  };
  const services = system.processes.filter((entry) => (entry.role ?? 'service') === 'service');
  const databaseOf = (service: string) => {
    const url = new URL(postgresUrl);
    url.pathname = `/${run}_${service}`;
    return url.href;
  };
  const events = new URL(amqpUrl);
  events.pathname = `/${run}`;
  await onServer(
    postgresUrl,
    services.map((service) => `CREATE DATABASE "${run}_${service.name}"`),
  );
  execFileSync('rabbitmqctl', ['add_vhost', run], { stdio: 'ignore' });
  execFileSync(
    'rabbitmqctl',
    ['set_permissions', '-p', run, decodeURIComponent(events.username), '.*', '.*', '.*'],
    {
      stdio: 'ignore',
    },
  );
  const absolute = (entry: string) =>
    existsSync(join(root, entry)) ? join(root, entry) : fileURLToPath(import.meta.resolve(entry));
  const config = join(directory, `${run}.flotilla.config`);
  writeFileSync(
    config,
    JSON.stringify({
      processes: system.processes.map((entry) => ({
        ...entry,
        entry: absolute(entry.entry),
        ...(services.includes(entry)
          ? { env: { ...entry.env, DATABASE_URL: databaseOf(entry.name), EVENTS_URL: events.href } }
          : {}),
      })),
    }),
  );
  return {
    config,
    drop: async () => {
      execFileSync('rabbitmqctl', ['delete_vhost', run], { stdio: 'ignore' });
      await onServer(
        postgresUrl,
        services.map((service) => `DROP DATABASE IF EXISTS "${run}_${service.name}" WITH (FORCE)`),
      );
    },
  };
}
