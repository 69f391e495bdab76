import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT_CONFIG } from '@flotilla/kit/config';
import { CliError } from './cli-error.js';
import { prepareProcess } from './prepare-process.js';
import { defaultRestartPolicy, nextRestart, type RestartPolicy } from './restart-policy.js';
import { type InstanceView, SupervisedInstance } from './supervised-instance.js';
import type { ProcessRole, ProcessSpec } from './system.js';

export type { InstanceState, InstanceView } from './supervised-instance.js';

const STOP_ORDER: readonly ProcessRole[] = ['service', 'gateway', 'control-plane'];
const START_ORDER: readonly ProcessRole[] = ['control-plane', 'gateway', 'service'];
/** How long after a build its own output (a binary, generated files) is not taken for a change. */
const BUILD_QUIET_MS = 1_000;
/** Longest wait for a restarted instance before the next change may restart it again. */
const RELOAD_READY_WAIT_MS = 60_000;

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

/** A fault done to one instance, as `flotilla chaos` reports it. */
export interface FaultResult {
  readonly instance: string;
  readonly pid: number;
  readonly action: 'kill' | 'pause' | 'slow';
  readonly until?: string;
}

/** A restart for changed sources under way, and whether more changes came in meanwhile. */
interface Reload {
  again: boolean;
}

/**
 * Starts each process in role order, restarts crashed ones with backoff, stops them in reverse
 * order, restarts a process whose sources changed, and does faults (kill, pause, slow) to its
 * instances on request.
 */
export class Supervisor {
  readonly #instances: SupervisedInstance[] = [];
  readonly #policy: RestartPolicy;
  readonly #reloads = new Map<string, Reload>();
  /**
   * When each process's last build ended (`Infinity` while it runs): what a build writes into the
   * watched directory is no change to restart for.
   */
  readonly #builtAt = new Map<string, number>();
  readonly #builds = new AbortController();
  readonly #stopTimeoutMs: number;
  #stopping: Promise<void> | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.#policy = options.restart ?? defaultRestartPolicy;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
    const host = {
      environment: options.environment,
      cwd: options.cwd,
      output: options.output,
      log: options.log,
      onChange: () => options.onChange?.(),
      onExit: (instance: SupervisedInstance, code: number | null, signal: NodeJS.Signals | null) =>
        this.#onExit(instance, code, signal),
      readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    };
    for (const role of START_ORDER) {
      for (const spec of options.processes.filter((candidate) => candidate.role === role)) {
        for (let index = 1; index <= spec.instances; index++) {
          this.#instances.push(new SupervisedInstance(spec, `${spec.name}/${index}`, host));
        }
      }
    }
  }

  /** Starts every role in order, waiting for the control plane to answer before the rest. */
  async start(): Promise<void> {
    for (const role of START_ORDER) {
      // Each process after its own build: a slow toolchain holds up only its own process.
      const readiness = this.options.processes
        .filter((spec) => spec.role === role)
        .map(async (spec) => {
          if (spec.build && (await this.#prepare(spec))) return;
          if (this.#stopping) return;
          const instances = this.#instances.filter((instance) => instance.spec === spec);
          await Promise.all(instances.map((instance) => instance.spawn()));
        });
      if (role === 'control-plane') await Promise.all(readiness);
      if (this.#stopping) return;
    }
  }

  /**
   * Restarts a process because its sources changed: build and check first, and only when they pass
   * replace its instances one at a time — each drained and stopped (a service deregisters), then
   * started again and waited for. Stopping first is what an embedded database allows (PGlite
   * belongs to one process) and what a non-Node process on a fixed port needs; with more than one
   * instance the others keep serving meanwhile. When the build or check fails, the running
   * instances are left alone and the problem is shown until a good version starts.
   */
  reload(name: string): void {
    if (this.#stopping || !this.options.processes.some((spec) => spec.name === name)) return;
    const builtAt = this.#builtAt.get(name);
    if (builtAt !== undefined && Date.now() - builtAt < BUILD_QUIET_MS) return;
    const running = this.#reloads.get(name);
    if (running) {
      running.again = true;
      return;
    }
    const reload: Reload = { again: true };
    this.#reloads.set(name, reload);
    void (async () => {
      while (reload.again && !this.#stopping) {
        reload.again = false;
        await this.#reload(name);
      }
      this.#reloads.delete(name);
    })();
  }

  get instances(): readonly InstanceView[] {
    return this.#instances.map((instance) => instance.view);
  }

  get running(): number {
    return this.#instances.filter((instance) => instance.alive).length;
  }

  kill(target: string): FaultResult {
    const instance = this.#find(target);
    const pid = instance.kill();
    this.options.log(`chaos: SIGKILL ${instance.id} (pid ${pid})`);
    return { instance: instance.id, pid, action: 'kill' };
  }

  pause(target: string, seconds: number): FaultResult {
    const instance = this.#find(target);
    const pid = instance.pause(seconds);
    this.options.log(`chaos: pausing ${instance.id} (pid ${pid}) for ${seconds} s`);
    return { instance: instance.id, pid, action: 'pause', until: inSeconds(seconds) };
  }

  slow(target: string, seconds: number, stallMs: number): FaultResult {
    const instance = this.#find(target);
    const pid = instance.slow(seconds, stallMs);
    this.options.log(`chaos: slowing ${instance.id} (pid ${pid}) for ${seconds} s (stalls of ${stallMs} ms)`);
    return { instance: instance.id, pid, action: 'slow', until: inSeconds(seconds) };
  }

  /**
   * Stops services, then the gateway, then the control plane: SIGTERM to a role, SIGKILL to the
   * process groups still there after the deadline. Resolves when no child is left.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  /** The live instance named `users/2`, or the first live one of `users`. */
  #find(target: string): SupervisedInstance {
    const matches = (instance: SupervisedInstance) =>
      target.includes('/') ? instance.id === target : instance.spec.name === target;
    const found = this.#instances.find((instance) => matches(instance) && instance.alive);
    if (!found) throw new CliError(`no running instance "${target}"`);
    return found;
  }

  /** Runs a process's build (and checks a Node entry); reports and records a failure. */
  async #prepare(spec: ProcessSpec): Promise<string | undefined> {
    const instances = this.#instances.filter((instance) => instance.spec.name === spec.name);
    if (spec.build) this.#builtAt.set(spec.name, Number.POSITIVE_INFINITY);
    const problem = await prepareProcess(spec, {
      environment: { ...this.options.environment, ...spec.environment },
      cwd: this.options.cwd,
      output: (line) => this.options.output(`${spec.name} build`, line),
      signal: this.#builds.signal,
    });
    if (this.#stopping) return 'stopping';
    if (spec.build) this.#builtAt.set(spec.name, Date.now());
    for (const instance of instances) instance.problem = problem;
    if (problem) {
      const serving = instances.filter((instance) => instance.alive).length;
      // A failed build's own lines were printed as they came; its summary is the first.
      const [summary] = problem.split('\n');
      this.options.log(
        `${spec.name}: ${summary} — ${serving > 0 ? `still running the previous version (${serving})` : 'not started'}`,
      );
      for (const instance of instances) if (!instance.alive) instance.set('failed');
    }
    this.options.onChange?.();
    return problem;
  }

  async #reload(name: string): Promise<void> {
    const spec = this.options.processes.find((candidate) => candidate.name === name) as ProcessSpec;
    this.options.log(`${name}: sources changed`);
    if (await this.#prepare(spec)) return;
    const started = Date.now();
    for (const instance of this.#instances.filter((candidate) => candidate.spec.name === name)) {
      if (this.#stopping) return;
      const stopping = Date.now();
      await instance.stop(this.#stopTimeoutMs);
      if (this.#stopping) return;
      this.options.log(
        `${instance.id} stopped in ${formatSeconds(Date.now() - stopping)}; starting the new version`,
      );
      instance.crashes.length = 0;
      instance.restarts++;
      void instance.spawn();
      const state = await Promise.race([instance.settled(), sleep(RELOAD_READY_WAIT_MS, 'late' as const)]);
      if (state !== 'ready') {
        const why = state === 'late' ? `not ready after ${formatSeconds(RELOAD_READY_WAIT_MS)}` : state;
        this.options.log(`${instance.id} did not start after the change (${why})`);
        return;
      }
    }
    this.options.log(`${name}: restarted in ${formatSeconds(Date.now() - started)}`);
  }

  #ofRole(role: ProcessRole): SupervisedInstance[] {
    return this.#instances.filter((instance) => instance.spec.role === role);
  }

  #onExit(instance: SupervisedInstance, code: number | null, signal: NodeJS.Signals | null): void {
    const purpose = instance.takeExitPurpose();
    if (purpose === 'stop' || this.#stopping) {
      instance.set('stopped');
      return;
    }
    if (code === EXIT_CONFIG) {
      this.options.log(
        `${instance.id} exited with a configuration error (code ${EXIT_CONFIG}): not restarting`,
      );
      instance.set('failed');
      return;
    }
    const cause = `${purpose === 'kill' ? 'was killed' : 'exited'} (${signal ?? `code ${code}`})`;
    const delay = nextRestart(this.#policy, instance.crashes, Date.now());
    if (delay === undefined) {
      const seconds = Math.round(this.#policy.windowMs / 1000);
      this.options.log(
        `${instance.id} ${cause}; ${instance.crashes.length} crashes in ${seconds} s: giving up`,
      );
      instance.set('failed');
      return;
    }
    this.options.log(`${instance.id} ${cause}; restarting in ${formatSeconds(delay)}`);
    instance.restartAfter(delay, () => {
      if (!this.#stopping) void instance.spawn();
    });
  }

  async #stopAll(): Promise<void> {
    this.#builds.abort();
    for (const instance of this.#instances) instance.cancelRestart();
    for (const role of STOP_ORDER) {
      const live = this.#ofRole(role).filter((instance) => instance.alive);
      if (live.length === 0) continue;
      this.options.log(`stopping ${role === 'service' ? 'services' : role} (${live.length})`);
      const killed = await Promise.all(live.map((instance) => instance.stop(this.#stopTimeoutMs)));
      const late = killed.filter(Boolean).length;
      if (late > 0)
        this.options.log(`${late} process(es) still running after the deadline were killed (SIGKILL)`);
    }
  }
}

function inSeconds(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;
}
