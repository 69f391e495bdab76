import { CliError } from './cli-error.js';
import { killGroup, type Supervisor } from './supervisor.js';

export type ChaosAction = 'kill' | 'pause' | 'slow';

export interface ChaosRequest {
  readonly action: ChaosAction;
  /** `users` (its first live instance) or `users/2`. */
  readonly target: string;
  /** pause and slow: how long the fault lasts. */
  readonly seconds?: number;
  /** slow: how long each stop lasts; the process then runs as long again (a 50% duty cycle). */
  readonly stallMs?: number;
}

export interface ChaosResult {
  readonly instance: string;
  readonly pid: number;
  readonly action: ChaosAction;
  readonly until?: string;
}

/**
 * Faults for demos, done by the supervisor because it owns the processes: `kill` is SIGKILL (the
 * supervisor then restarts the process with backoff); `pause` is SIGSTOP for a while, then SIGCONT;
 * `slow` alternates SIGSTOP and SIGCONT (each `stallMs` long), so every request sees up to
 * `stallMs` of added latency while the process stays reachable. Signals go to the process group.
 */
export function applyChaos(
  supervisor: Supervisor,
  request: ChaosRequest,
  log: (line: string) => void,
): ChaosResult {
  if (!['kill', 'pause', 'slow'].includes(request.action) || typeof request.target !== 'string') {
    throw new CliError('chaos needs an action (kill, pause, slow) and a target');
  }
  const instance = supervisor.find(request.target);
  const pid = instance?.child?.pid;
  if (!instance || pid === undefined) throw new CliError(`no running instance "${request.target}"`);
  if (request.action === 'kill') {
    supervisor.expectExit(instance);
    log(`chaos: SIGKILL ${instance.id} (pid ${pid})`);
    killGroup(pid, 'SIGKILL');
    return { instance: instance.id, pid, action: 'kill' };
  }
  const seconds = request.seconds ?? 10;
  const until = Date.now() + seconds * 1000;
  const child = instance.child!;
  const resume = () => {
    killGroup(pid, 'SIGCONT');
    if (instance.child === child && instance.state === 'paused') supervisor.setState(instance, 'ready');
  };
  supervisor.setState(instance, 'paused');
  if (request.action === 'pause') {
    log(`chaos: pausing ${instance.id} (pid ${pid}) for ${seconds} s`);
    killGroup(pid, 'SIGSTOP');
    setTimeout(resume, seconds * 1000).unref();
  } else {
    const stallMs = request.stallMs ?? 200;
    log(`chaos: slowing ${instance.id} (pid ${pid}) for ${seconds} s (stalls of ${stallMs} ms)`);
    const cycle = () => {
      if (Date.now() >= until || instance.child !== child) return resume();
      killGroup(pid, 'SIGSTOP');
      setTimeout(() => {
        killGroup(pid, 'SIGCONT');
        setTimeout(cycle, stallMs).unref();
      }, stallMs).unref();
    };
    cycle();
  }
  return { instance: instance.id, pid, action: request.action, until: new Date(until).toISOString() };
}
