import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { ProcessRole, ProcessSpec } from './system.js';

// tsx resolved from here, not from the user's directory, which need not have it installed.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
// The export conditions this process was started with (this repository's own development runs
// packages from their sources) hold for its children too, and so do the profiler's flags, so one
// `node --cpu-prof` profiles every process of a system.
const INHERITED_FLAGS = process.execArgv.filter((flag) =>
  /^--(conditions|cpu-prof|cpu-prof-dir|cpu-prof-interval|heap-prof|heap-prof-dir)(=|$)/.test(flag),
);

/** A TypeScript entry runs through tsx; built JavaScript runs on node alone. */
export function nodeArguments(entry: string): string[] {
  return /\.[cm]?ts$/.test(entry)
    ? [...INHERITED_FLAGS, '--import', TSX, entry]
    : [...INHERITED_FLAGS, entry];
}

export type InstanceState = 'starting' | 'ready' | 'paused' | 'restarting' | 'failed' | 'stopped';

/**
 * Why a process exits when it is made to: `kill` is a fault (restarted with backoff, and the restart
 * line says it was killed), `stop` was asked for (a restart for changed sources, or shutting down).
 */
export type ExitPurpose = 'kill' | 'stop';

export interface InstanceView {
  readonly id: string;
  readonly name: string;
  readonly role: ProcessRole;
  readonly pid: number | undefined;
  readonly state: InstanceState;
  readonly restarts: number;
  readonly url: string | undefined;
  /**
   * Why the process's sources were not started (a failed build or check), until a good version
   * runs: what failed on the first line, a failed build's first lines of output after it.
   */
  readonly problem: string | undefined;
}

/** What an instance needs from its supervisor to run a child. */
export interface InstanceHost {
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly output: (instance: string, line: string) => void;
  readonly log: (line: string) => void;
  readonly onChange: () => void;
  readonly onExit: (instance: SupervisedInstance, code: number | null, signal: NodeJS.Signals | null) => void;
  readonly readyTimeoutMs: number;
}

/**
 * One running copy of a process: it owns its child (spawned in its own process group), its state,
 * and the faults that can be done to it. The supervisor decides when to start, restart and stop.
 */
export class SupervisedInstance {
  readonly crashes: number[] = [];
  restarts = 0;
  #child: ChildProcess | undefined;
  #state: InstanceState = 'stopped';
  #url: string | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Why the next exit comes, when it is made to; otherwise it is a crash. */
  #exitPurpose: ExitPurpose | undefined;
  #settle: (() => void)[] = [];
  problem: string | undefined;

  constructor(
    readonly spec: ProcessSpec,
    /** `users/1`, `users/2`, …; what `chaos` and the status line name. */
    readonly id: string,
    private readonly host: InstanceHost,
  ) {}

  get state(): InstanceState {
    return this.#state;
  }

  get alive(): boolean {
    return isAlive(this.#child);
  }

  get view(): InstanceView {
    return {
      id: this.id,
      name: this.spec.name,
      role: this.spec.role,
      pid: this.alive ? this.#child?.pid : undefined,
      state: this.#state,
      restarts: this.restarts,
      url: this.#url,
      problem: this.problem,
    };
  }

  /** The exit it waits for, when alive. */
  get exited(): Promise<unknown> | undefined {
    const child = this.#child;
    if (!isAlive(child)) return undefined;
    return new Promise((resolve) => child.once('exit', resolve));
  }

  set(state: InstanceState): void {
    this.#state = state;
    if (state !== 'starting') for (const settle of this.#settle.splice(0)) settle();
    this.host.onChange();
  }

  /** Resolves once the instance is no longer starting: ready, or exited, or given up on. */
  settled(): Promise<InstanceState> {
    if (this.#state !== 'starting') return Promise.resolve(this.#state);
    return new Promise((resolve) => this.#settle.push(() => resolve(this.#state)));
  }

  /**
   * Spawns the child; resolves once it is ready (over IPC, or its `readyUrl` answers), has
   * exited, or its ready wait ran out. Node children have an IPC channel: a service reports
   * readiness over it, and notices the supervisor dying however abruptly, so nothing is orphaned.
   * A `command` has no such channel: it is ready when its `readyUrl` answers, or once started.
   */
  spawn(): Promise<void> {
    const { entry, command } = this.spec;
    const [program, args] = command
      ? [command[0] as string, command.slice(1)]
      : [process.execPath, nodeArguments(entry as string)];
    const child = spawn(program, args, {
      cwd: this.spec.cwd ?? this.host.cwd,
      env: { ...this.host.environment, ...this.spec.environment, FLOTILLA_INSTANCE: this.id },
      // Own process group: a terminal's Ctrl-C reaches only the supervisor, which stops children in
      // order, and a group kill takes grandchildren with it.
      detached: true,
      stdio: command ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.#child = child;
    this.#url = undefined;
    this.set('starting');
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.host.output(this.id, line));
    }
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message?.type !== 'flotilla:ready') return;
      this.#url = message.url;
      this.set('ready');
    });
    child.on('error', (error) => {
      this.host.log(`${this.id} could not start: ${error.message}`);
      // A program that could not be run has no exit to wait for.
      if (child.pid === undefined && this.#child === child) this.host.onExit(this, null, null);
    });
    child.once('exit', (code, signal) => {
      if (this.#child !== child) return;
      // Grandchildren left in the group go with it.
      killGroup(child.pid, 'SIGKILL');
      this.host.onExit(this, code, signal);
    });
    if (this.spec.readyUrl) return this.#waitForUrl(child, this.spec.readyUrl);
    if (command && child.pid !== undefined) this.set('ready');
    return Promise.resolve();
  }

  /** Why the last exit came, when it was made to; clears it, so the next exit is judged afresh. */
  takeExitPurpose(): ExitPurpose | undefined {
    const purpose = this.#exitPurpose;
    this.#exitPurpose = undefined;
    return purpose;
  }

  /**
   * Stops the instance on purpose, not to be restarted as a crash: SIGTERM (a service drains and
   * deregisters; a paused process is continued first so that it can), SIGKILL to its process group
   * after `timeoutMs`. Resolves once it has exited: true when it had to be killed.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    this.cancelRestart();
    const child = this.#child;
    const exited = this.exited;
    if (!child || !exited) return false;
    this.#exitPurpose = 'stop';
    killGroup(child.pid, 'SIGCONT');
    child.kill('SIGTERM');
    if ((await Promise.race([exited, sleep(timeoutMs, 'late' as const)])) !== 'late') return false;
    killGroup(child.pid, 'SIGKILL');
    await exited;
    return true;
  }

  restartAfter(delayMs: number, restart: () => void): void {
    this.set('restarting');
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.restarts++;
      restart();
    }, delayMs);
  }

  cancelRestart(): void {
    clearTimeout(this.#restartTimer);
  }

  /** SIGKILL on purpose: the supervisor restarts the process with backoff. */
  kill(): number {
    const pid = this.#requirePid();
    this.#exitPurpose = 'kill';
    killGroup(pid, 'SIGKILL');
    return pid;
  }

  /** SIGSTOP for `seconds`, then SIGCONT. */
  pause(seconds: number): number {
    const pid = this.#requirePid();
    const resume = this.#resumer(pid);
    this.set('paused');
    killGroup(pid, 'SIGSTOP');
    setTimeout(resume, seconds * 1000).unref();
    return pid;
  }

  /**
   * Alternates SIGSTOP and SIGCONT, each `stallMs` long, for `seconds`: every request sees up to
   * `stallMs` of added latency while the process stays reachable.
   */
  slow(seconds: number, stallMs: number): number {
    const pid = this.#requirePid();
    const child = this.#child;
    const resume = this.#resumer(pid);
    const until = Date.now() + seconds * 1000;
    this.set('paused');
    const cycle = () => {
      if (Date.now() >= until || this.#child !== child) return resume();
      killGroup(pid, 'SIGSTOP');
      setTimeout(() => {
        killGroup(pid, 'SIGCONT');
        setTimeout(cycle, stallMs).unref();
      }, stallMs).unref();
    };
    cycle();
    return pid;
  }

  #resumer(pid: number): () => void {
    const child = this.#child;
    return () => {
      killGroup(pid, 'SIGCONT');
      if (this.#child === child && this.#state === 'paused') this.set('ready');
    };
  }

  #requirePid(): number {
    const pid = this.#child?.pid;
    if (!this.alive || pid === undefined) throw new Error(`${this.id} is not running`);
    return pid;
  }

  /** For processes that do not report readiness over IPC: poll their ready URL. */
  async #waitForUrl(child: ChildProcess, url: string): Promise<void> {
    const deadline = Date.now() + this.host.readyTimeoutMs;
    while (isAlive(child) && this.#child === child && Date.now() < deadline) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(500) });
        await response.body?.cancel();
        if (response.ok) {
          if (this.#state === 'starting') this.set('ready');
          return;
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
  }
}

function isAlive(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Signals a whole process group (children are group leaders); a group already gone is fine. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in that group.
  }
}
