export interface StartOptions {
  /** Instances per service name; services not named run one instance. */
  readonly instances: Readonly<Record<string, number>>;
}

/**
 * `flotilla start [--instances users=3[,orders=2]]…`. Throws an Error whose message is the one
 * line to print for a bad flag.
 */
export function parseStartOptions(args: readonly string[], services: readonly string[]): StartOptions {
  const instances: Record<string, number> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let value: string | undefined;
    if (arg === '--instances') value = args[++i];
    else if (arg.startsWith('--instances=')) value = arg.slice('--instances='.length);
    else throw new Error(`unknown option "${arg}"`);
    if (!value) throw new Error('--instances needs a value such as users=3');
    for (const pair of value.split(',')) {
      const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(pair.trim());
      if (!match) throw new Error(`--instances expects <service>=<count>, got "${pair}"`);
      const [, name, count] = match as unknown as [string, string, string];
      if (!services.includes(name)) {
        throw new Error(`--instances: no service "${name}" (services: ${services.join(', ')})`);
      }
      const n = Number(count);
      if (n < 1 || n > 16) throw new Error(`--instances: ${name} count must be from 1 to 16, got ${count}`);
      instances[name] = n;
    }
  }
  return { instances };
}
