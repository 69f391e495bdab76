import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { formatTable } from '../format-table.js';
import { writeLine } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { instanceUrl, RegistryClient } from '../registry-client.js';
import { readServiceExtras } from '../service-extras.js';
import { readTransport, type TransportReport } from '../transport-client.js';

const help = `usage: flotilla status [--json] [--registry <url>]

Every registered service and instance with its health, circuit breakers, outbox backlog and dead
letters (\`-\` where a service does not expose them), read from the registry; then the events
transport the control plane reports, with each consumer group's lag on Kafka.

options:
  --json              machine-readable output
  --registry <url>    the registry (default: $REGISTRY_URL or http://127.0.0.1:8500)
  -h, --help          this help`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'services, instances, health, breakers, outbox, dead letters and consumer lag',
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
    const [transport, rows] = await Promise.all([
      readTransport(registry.url),
      Promise.all(
        instances.map(async (instance) => ({
          service: instance.service,
          instance: instance.id,
          address: instanceUrl(instance),
          health: instance.health,
          version: instance.meta.version,
          ...(await readServiceExtras(instanceUrl(instance))),
        })),
      ),
    ]);
    if (values.json) {
      // Absent readings are null, not missing keys, so every instance has the same fields.
      const instances = rows.map((row) => ({
        ...row,
        version: row.version ?? null,
        breakers: row.breakers ?? null,
        outboxPending: row.outboxPending ?? null,
        deadLetters: row.deadLetters ?? null,
      }));
      writeLine(
        io.stdout,
        JSON.stringify(
          { registry: registry.url, services, instances, transport: transport ?? null },
          null,
          2,
        ),
      );
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
    if (transport) writeLine(io.stdout, `\n${describeTransport(transport)}`);
    return 0;
  },
};

function describeTransport(transport: TransportReport): string {
  const heading = `transport: ${transport.label ?? transport.kind}${transport.endpoint ? ` at ${transport.endpoint}` : ''}`;
  if (transport.consumerLagError)
    return `${heading}\nconsumer lag unavailable: ${transport.consumerLagError}`;
  if (!transport.consumerGroups) return heading;
  if (transport.consumerGroups.length === 0) return `${heading}\nno consumer groups yet`;
  const groups = transport.consumerGroups.map((group) => [
    group.group,
    String(group.partitions.length),
    String(group.lag),
  ]);
  return `${heading}\n${formatTable(['CONSUMER GROUP', 'PARTITIONS', 'LAG'], groups)}`;
}
