import { CliError, UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { listDeadLetters, redriveDeadLetter } from '../dead-letters-client.js';
import { formatTable } from '../format-table.js';
import { writeLine } from '../io.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { instanceUrl, RegistryClient } from '../registry-client.js';

const help = `usage: flotilla dlq list <service> [--json]
       flotilla dlq redrive <service> <id>

Lists a service's dead letters (events its handlers gave up on), or sends one back through its
subscription. The service is found through the registry (a passing instance).

options:
  --json              machine-readable output (list)
  --registry <url>    the registry (default: $REGISTRY_URL or http://127.0.0.1:8500)
  -h, --help          this help`;

export const dlqCommand: Command = {
  name: 'dlq',
  summary: 'list or redrive dead letters of a service',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('dlq', args, {
      json: { type: 'boolean' },
      registry: { type: 'string' },
    });
    if (values.help) {
      writeLine(io.stdout, help);
      return 0;
    }
    const [action, service, id, ...rest] = positionals;
    if (action !== 'list' && action !== 'redrive') {
      throw new UsageError(
        action ? `dlq: unknown action "${action}" (list or redrive)` : 'dlq: missing action',
      );
    }
    if (!service) throw new UsageError(`dlq ${action}: missing <service>`);
    if (action === 'redrive' && !id) throw new UsageError('dlq redrive: missing <id>');
    const extra = action === 'list' ? id : rest[0];
    if (extra !== undefined) throw new UsageError(`dlq ${action}: unexpected argument "${extra}"`);

    const registry = new RegistryClient(values.registry ?? io.env.REGISTRY_URL);
    const passing = (await registry.instances(service)).filter((instance) => instance.health === 'passing');
    if (passing.length === 0) throw new CliError(`no passing instance of "${service}" in the registry`);
    const base = instanceUrl(passing[0]!);

    if (action === 'redrive') {
      await redriveDeadLetter(base, id!);
      writeLine(io.stdout, `redriven ${id}`);
      return 0;
    }
    const letters = await listDeadLetters(base);
    if (letters === undefined)
      throw new CliError(`${service} has no dead-letter API (no event subscriptions)`);
    if (values.json) writeLine(io.stdout, JSON.stringify(letters, null, 2));
    else if (letters.length === 0) writeLine(io.stdout, `no dead letters in ${service}`);
    else {
      const rows = letters.map((letter) => [
        letter.id,
        letter.type ?? '-',
        String(letter.attempts ?? '-'),
        letter.failedAt ?? '-',
        (letter.error ?? '-').split('\n')[0]!.slice(0, 80),
      ]);
      writeLine(io.stdout, formatTable(['ID', 'TYPE', 'ATTEMPTS', 'FAILED AT', 'ERROR'], rows));
    }
    return 0;
  },
};
