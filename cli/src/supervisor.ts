import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ProcessSpec } from './system.js';

export interface SupervisorOptions {
  /** Started first, stopped last; its registry must answer before the others start. */
  readonly controlPlane: ProcessSpec;
  readonly controlPlanePort: number;
  readonly processes: readonly ProcessSpec[];
  /** Instances per process name (1 when absent). */
  readonly instances?: Readonly<Record<string, number>>;
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly log: (line: string) => void;
}

/**
 * Starts the control plane, waits for its registry, then starts every process (each instance a
 * child of its own) pointed at that registry; stops them in the reverse order. Children share the
 * terminal, so their logs interleave with ours.
 */
export class Supervisor {
  readonly #children = new Map<string, ChildProcess>();
  #controlPlane: ChildProcess | undefined;

  constructor(private readonly options: SupervisorOptions) {}

  get registryUrl(): string {
    return this.options.environment.REGISTRY_URL ?? `http://127.0.0.1:${this.options.controlPlanePort}`;
  }

  async start(): Promise<void> {
    const { controlPlane, controlPlanePort, environment } = this.options;
    this.#controlPlane = this.#spawn(controlPlane, { PORT: String(controlPlanePort) });
    await this.#waitForRegistry(this.#controlPlane);
    this.options.log(`registry ready at ${this.registryUrl}`);
    for (const spec of this.options.processes) {
      const count = this.options.instances?.[spec.name] ?? 1;
      if (count > 1 && !environment.DATABASE_URL) {
        this.options.log(
          `${spec.name}: ${count} instances on embedded databases, one each (set DATABASE_URL to share one)`,
        );
      }
      for (let n = 1; n <= count; n++) {
        const name = count > 1 ? `${spec.name}-${n}` : spec.name;
        const dataDir = environment.DATA_DIR ?? '.flotilla/data';
        this.#spawn(
          { ...spec, name },
          {
            REGISTRY_URL: this.registryUrl,
            // PGlite is single-process: each extra instance gets a data directory of its own.
            ...(n > 1 ? { DATA_DIR: join(dataDir, `instance-${n}`) } : {}),
          },
        );
      }
    }
  }

  #spawn(spec: ProcessSpec, extra: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', spec.entry], {
      cwd: this.options.cwd,
      env: { ...this.options.environment, ...spec.environment, ...extra },
      stdio: 'inherit',
    });
    if (spec !== this.options.controlPlane) this.#children.set(spec.name, child);
    child.on('exit', (code, signal) => {
      this.#children.delete(spec.name);
      if (child === this.#controlPlane) this.#controlPlane = undefined;
      this.options.log(`${spec.name} exited (${signal ?? `code ${code}`})`);
    });
    return child;
  }

  /** Polls Consul's `/v1/status/leader` until it answers, the child exits, or 30 s pass. */
  async #waitForRegistry(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error('the control plane exited at start');
      const answered = await fetch(`http://127.0.0.1:${this.options.controlPlanePort}/v1/status/leader`, {
        signal: AbortSignal.timeout(1_000),
      }).then(
        (response) => response.ok,
        () => false,
      );
      if (answered) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the control plane did not answer on port ${this.options.controlPlanePort} within 30 s`);
  }

  /** SIGTERM to every service (they deregister and drain), then to the control plane. */
  async stop(): Promise<void> {
    await stopAll([...this.#children.values()]);
    if (this.#controlPlane) await stopAll([this.#controlPlane]);
  }

  get running(): number {
    return this.#children.size + (this.#controlPlane ? 1 : 0);
  }
}

async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  const live = children.filter((child) => child.exitCode === null && child.signalCode === null);
  const exits = live.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
  for (const child of live) child.kill('SIGTERM');
  await Promise.all(exits);
}
