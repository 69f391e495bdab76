import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { defaultRestartPolicy, nextRestart, type RestartPolicy } from './restart-policy.js';
import type { ProcessRole, ProcessSpec } from './system.js';

/** Exit code of a process that refused its configuration (sysexits' EX_CONFIG): never restarted. */
const EXIT_CONFIG = 78;
// tsx resolved from here, not from the user's directory, which need not have it installed.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const STOP_ORDER: readonly ProcessRole[] = ['service', 'gateway', 'control-plane'];
const START_ORDER: readonly ProcessRole[] = ['control-plane', 'gateway', 'service'];

export type InstanceState = 'starting' | 'ready' | 'paused' | 'restarting' | 'failed' | 'stopped';

export interface SupervisorOptions {
  readonly processes: readonly ProcessSpec[];
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Supervisor events: restarts, give-ups, shutdown steps. */
  readonly log: (line: string) => void;
  /** A child's own output, one line at a time. */
  readonly output: (instance: string, line: string) => void;
  /** Called whenever an instance changes state. */
  readonly onChange?: () => void;
  readonly restart?: RestartPolicy;
  /** How long a role gets to exit after SIGTERM before SIGKILL. */
  readonly stopTimeoutMs?: number;
  /** Longest wait for a `readyUrl` before starting the next role anyway. */
  readonly readyTimeoutMs?: number;
}

/** One running copy of a process, as the supervisor tracks it. */
export interface Instance {
  readonly spec: ProcessSpec;
  /** `users/1`, `users/2`, …; what `chaos` and the status line name. */
  readonly id: string;
  child: ChildProcess | undefined;
  state: InstanceState;
  restarts: number;
  url: string | undefined;
  readonly crashes: number[];
  timer: NodeJS.Timeout | undefined;
  /** Set by chaos: the next exit is expected, and says so. */
  killedOnPurpose: boolean;
}

export interface InstanceView {
  readonly id: string;
  readonly name: string;
  readonly role: ProcessRole;
  readonly pid: number | undefined;
  readonly state: InstanceState;
  readonly restarts: number;
  readonly url: string | undefined;
}

/**
 * Starts each process as a child in its own process group, restarts crashed ones with backoff,
 * and stops them in order. Children have an IPC channel: a service reports readiness over it
 * (runService), and notices the supervisor dying however abruptly, so nothing is orphaned.
 */
export class Supervisor {
  readonly #instances: Instance[] = [];
  readonly #policy: RestartPolicy;
  #stopping: Promise<void> | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.#policy = options.restart ?? defaultRestartPolicy;
    for (const role of START_ORDER) {
      for (const spec of options.processes.filter((candidate) => candidate.role === role)) {
        for (let index = 1; index <= spec.instances; index++) {
          this.#instances.push({
            spec,
            id: `${spec.name}/${index}`,
            child: undefined,
            state: 'stopped',
            restarts: 0,
            url: undefined,
            crashes: [],
            timer: undefined,
            killedOnPurpose: false,
          });
        }
      }
    }
  }

  /** Starts every role in order, waiting for the control plane to answer before the rest. */
  async start(): Promise<void> {
    for (const role of START_ORDER) {
      const group = this.#instances.filter((instance) => instance.spec.role === role);
      const readiness = group.map((instance) => this.#spawn(instance));
      if (role === 'control-plane') await Promise.all(readiness);
      if (this.#stopping) return;
    }
  }

  get instances(): readonly InstanceView[] {
    return this.#instances.map((instance) => ({
      id: instance.id,
      name: instance.spec.name,
      role: instance.spec.role,
      pid: isAlive(instance.child) ? instance.child.pid : undefined,
      state: instance.state,
      restarts: instance.restarts,
      url: instance.url,
    }));
  }

  /** The live instance named `users/2`, or the first live one of `users`. */
  find(target: string): Instance | undefined {
    const matches = (instance: Instance) =>
      target.includes('/') ? instance.id === target : instance.spec.name === target;
    return this.#instances.find((instance) => matches(instance) && isAlive(instance.child));
  }

  /** Marks an instance's next exit as intended (chaos), so the restart line says so. */
  expectExit(instance: Instance): void {
    instance.killedOnPurpose = true;
  }

  setState(instance: Instance, state: InstanceState): void {
    instance.state = state;
    this.options.onChange?.();
  }

  /** Spawns one instance; resolves once it is ready, has exited, or its ready wait ran out. */
  #spawn(instance: Instance): Promise<void> {
    const { spec } = instance;
    const child = spawn(process.execPath, ['--import', TSX, spec.entry], {
      cwd: this.options.cwd,
      env: {
        ...this.options.environment,
        ...spec.environment,
        FLOTILLA_INSTANCE: instance.id,
      },
      // Own process group: a terminal's Ctrl-C reaches only the supervisor, which stops children in
      // order, and a group kill takes grandchildren with it.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    instance.child = child;
    instance.url = undefined;
    this.setState(instance, 'starting');
    for (const stream of [child.stdout, child.stderr]) {
      if (stream)
        createInterface({ input: stream }).on('line', (line) => this.options.output(instance.id, line));
    }
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message?.type !== 'flotilla:ready') return;
      instance.url = message.url;
      this.setState(instance, 'ready');
    });
    child.on('error', (error) => this.options.log(`${instance.id} could not start: ${error.message}`));
    child.once('exit', (code, signal) => this.#onExit(instance, child, code, signal));
    return spec.readyUrl ? this.#waitForUrl(instance, child, spec.readyUrl) : Promise.resolve();
  }

  #onExit(instance: Instance, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (instance.child !== child) return;
    const how = signal ?? `code ${code}`;
    // Grandchildren left in the group go with it.
    killGroup(child.pid, 'SIGKILL');
    if (this.#stopping) {
      this.setState(instance, 'stopped');
      return;
    }
    if (code === EXIT_CONFIG) {
      this.options.log(`${instance.id} exited with a configuration error (code 78): not restarting`);
      this.setState(instance, 'failed');
      return;
    }
    const delay = nextRestart(this.#policy, instance.crashes, Date.now());
    const cause = instance.killedOnPurpose ? `was killed (${how})` : `exited (${how})`;
    instance.killedOnPurpose = false;
    if (delay === undefined) {
      const seconds = Math.round(this.#policy.windowMs / 1000);
      this.options.log(
        `${instance.id} ${cause}; ${instance.crashes.length} crashes in ${seconds} s: giving up`,
      );
      this.setState(instance, 'failed');
      return;
    }
    this.options.log(`${instance.id} ${cause}; restarting in ${formatSeconds(delay)}`);
    this.setState(instance, 'restarting');
    instance.timer = setTimeout(() => {
      instance.timer = undefined;
      instance.restarts++;
      if (!this.#stopping) void this.#spawn(instance);
    }, delay);
  }

  /** For processes that do not report readiness over IPC: poll their ready URL. */
  async #waitForUrl(instance: Instance, child: ChildProcess, url: string): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 10_000);
    while (!this.#stopping && isAlive(child) && Date.now() < deadline) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(500) });
        await response.body?.cancel();
        if (response.ok) {
          if (instance.child === child && instance.state === 'starting') this.setState(instance, 'ready');
          return;
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
  }

  /**
   * Stops services, then the gateway, then the control plane: SIGTERM to a role, SIGKILL to the
   * process groups still there after the deadline. Resolves when no child is left.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  async #stopAll(): Promise<void> {
    for (const instance of this.#instances) clearTimeout(instance.timer);
    for (const role of STOP_ORDER) {
      const live = this.#instances
        .filter((instance) => instance.spec.role === role)
        .map((instance) => instance.child)
        .filter(isAlive);
      if (live.length === 0) continue;
      this.options.log(`stopping ${role === 'service' ? 'services' : role} (${live.length})`);
      const exits = live.map((child) => once(child, 'exit'));
      for (const child of live) {
        // A paused (SIGSTOPped) process cannot act on SIGTERM until continued.
        killGroup(child.pid, 'SIGCONT');
        child.kill('SIGTERM');
      }
      const deadline = sleep(this.options.stopTimeoutMs ?? 15_000, 'late' as const);
      if ((await Promise.race([Promise.all(exits), deadline])) === 'late') {
        const late = live.filter(isAlive);
        this.options.log(`${late.length} process(es) still running after the deadline: SIGKILL`);
        for (const child of late) killGroup(child.pid, 'SIGKILL');
        await Promise.all(exits);
      }
    }
  }

  get running(): number {
    return this.#instances.filter((instance) => isAlive(instance.child)).length;
  }
}

function isAlive(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Signals a whole process group (children are group leaders); a group already gone is fine. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in that group.
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;
}
