import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` in strict mode, with its errors turned into one-line usage errors. `--help` is
 * added to every command; the caller checks `values.help` first.
 */
export function parseCommandArgs<O extends Options>(command: string, args: readonly string[], options: O) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node's messages carry hints after the first sentence or line; keep only what went wrong.
    const message = (error as Error).message.split('\n')[0]!.split('. ')[0]!.replace(/\.$/, '');
    throw new UsageError(`${command}: ${message}`);
  }
}

/** A positive number from a flag, or a usage error naming the flag. */
export function positiveNumber(flag: string, value: string | undefined, fallback: number) {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || value.trim() === '') {
    throw new UsageError(`--${flag} must be a positive number, got "${value}"`);
  }
  return number;
}
