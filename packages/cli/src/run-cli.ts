import { CliError, EXIT_USAGE, UsageError } from './cli-error.js';
import type { Command } from './command.js';
import { chaosCommand } from './commands/chaos.js';
import { dlqCommand } from './commands/dlq.js';
import { loadCommand } from './commands/load.js';
import { newCommand } from './commands/new.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { type Io, writeLine } from './io.js';

/** Every command, in the order `flotilla --help` lists them. */
export const commands: readonly Command[] = [
  startCommand,
  statusCommand,
  newCommand,
  loadCommand,
  chaosCommand,
  dlqCommand,
];

export function mainHelp(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'usage: flotilla <command> [options]',
    '',
    'commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    "Run `flotilla <command> --help` for a command's options.",
  ].join('\n');
}

/** Runs one invocation and resolves to its exit code; errors become one line on stderr. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const out = name === undefined ? io.stderr : io.stdout;
    writeLine(out, mainHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}" (see \`flotilla --help\`)`);
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof CliError) {
      const hint = error instanceof UsageError && command ? ` (see \`flotilla ${command.name} --help\`)` : '';
      writeLine(io.stderr, `flotilla: ${error.message}${hint}`);
      return error.exitCode;
    }
    // Anything else is a bug; still one line, no stack, unless asked for.
    writeLine(io.stderr, `flotilla: ${(error as Error)?.message ?? String(error)}`);
    if (io.env.FLOTILLA_DEBUG) writeLine(io.stderr, (error as Error)?.stack ?? '');
    return 1;
  }
}
