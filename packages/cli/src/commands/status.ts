import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { formatTable } from '../format-table.js';
import { writeLine } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { instanceUrl, RegistryClient } from '../registry-client.js';
import { readServiceExtras } from '../service-extras.js';

const help = `usage: flotilla status [--json] [--registry <url>]

Every registered service and instance with its health, circuit breakers, outbox backlog and dead
letters (\`-\` where a service does not expose them), read from the registry.

options:
  --json              machine-readable output
  --registry <url>    the registry (default: $REGISTRY_URL or http://127.0.0.1:8500)
  -h, --help          this help`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'services, instances, health, breakers, outbox and dead letters',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('status', args, {
      json: { type: 'boolean' },
      registry: { type: 'string' },
    });
    if (values.help) {
      writeLine(io.stdout, help);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`status: unexpected argument "${positionals[0]}"`);
    const registry = new RegistryClient(values.registry ?? io.env.REGISTRY_URL);
    const services = await registry.services();
    const instances = (await Promise.all(services.map((service) => registry.instances(service)))).flat();
    const rows = await Promise.all(
      instances.map(async (instance) => ({
        service: instance.service,
        instance: instance.id,
        address: instanceUrl(instance),
        health: instance.health,
        version: instance.meta.version,
        ...(await readServiceExtras(instanceUrl(instance))),
      })),
    );
    if (values.json) {
      // Absent readings are null, not missing keys, so every instance has the same fields.
      const instances = rows.map((row) => ({
        ...row,
        version: row.version ?? null,
        breakers: row.breakers ?? null,
        outboxPending: row.outboxPending ?? null,
        deadLetters: row.deadLetters ?? null,
      }));
      writeLine(io.stdout, JSON.stringify({ registry: registry.url, services, instances }, null, 2));
      return 0;
    }
    if (rows.length === 0) {
      writeLine(io.stdout, `no services registered at ${registry.url}`);
      return 0;
    }
    const dash = (value: unknown) => (value === undefined ? '-' : String(value));
    const table = rows.map((row) => [
      row.service,
      row.instance,
      row.address,
      row.health,
      row.breakers === undefined
        ? '-'
        : Object.entries(row.breakers)
            .map(([target, state]) => `${target}:${state}`)
            .join(',') || 'none',
      dash(row.outboxPending),
      dash(row.deadLetters),
    ]);
    writeLine(
      io.stdout,
      formatTable(['SERVICE', 'INSTANCE', 'ADDRESS', 'HEALTH', 'BREAKERS', 'OUTBOX', 'DEAD LETTERS'], table),
    );
    return 0;
  },
};
