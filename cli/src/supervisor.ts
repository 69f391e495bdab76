import { type ChildProcess, spawn } from 'node:child_process';
import type { ProcessSpec } from './system.js';

export interface SupervisorOptions {
  readonly processes: readonly ProcessSpec[];
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly log: (line: string) => void;
}

/**
 * Starts each process as a child and stops them all on request. Children share the terminal, so
 * their logs interleave with ours.
 */
export class Supervisor {
  readonly #children = new Map<string, ChildProcess>();

  constructor(private readonly options: SupervisorOptions) {}

  start(): void {
    for (const spec of this.options.processes) this.#spawn(spec);
  }

  #spawn(spec: ProcessSpec): void {
    const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], {
      cwd: this.options.cwd,
      env: { ...this.options.environment, ...spec.environment },
      // Own process group: a terminal's Ctrl-C reaches only the supervisor, which stops children in
      // order. The IPC channel lets a child notice the supervisor dying, even by SIGKILL.
      detached: true,
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    this.#children.set(spec.name, child);
    child.on('exit', (code, signal) => {
      this.#children.delete(spec.name);
      this.options.log(`${spec.name} exited (${signal ?? `code ${code}`})`);
    });
  }

  /** SIGTERM to every child, then wait for all of them to exit. */
  async stop(): Promise<void> {
    const exits = [...this.#children.values()].map(
      (child) => new Promise<void>((resolve) => child.once('exit', () => resolve())),
    );
    for (const child of this.#children.values()) child.kill('SIGTERM');
    await Promise.all(exits);
  }

  get running(): number {
    return this.#children.size;
  }
}
