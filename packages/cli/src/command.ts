import type { Io } from './io.js';

/** One `flotilla <name>` command: its help text and what it does (the exit code it resolves to). */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full help: usage line, arguments and options. */
  readonly help: string;
  run(args: readonly string[], io: Io): Promise<number>;
}
