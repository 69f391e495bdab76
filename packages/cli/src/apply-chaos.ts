import { CliError } from './cli-error.js';
import type { FaultResult, Supervisor } from './supervisor.js';

export type ChaosAction = FaultResult['action'];

export interface ChaosRequest {
  readonly action: ChaosAction;
  /** `users` (its first live instance) or `users/2`. */
  readonly target: string;
  /** pause and slow: how long the fault lasts. */
  readonly seconds?: number;
  /** slow: how long each stop lasts; the process then runs as long again (a 50% duty cycle). */
  readonly stallMs?: number;
}

/**
 * A chaos request from `flotilla chaos`, checked and handed to the supervisor, which owns the
 * processes: `kill` is SIGKILL (then restarted with backoff), `pause` SIGSTOP for a while, `slow`
 * alternating SIGSTOP and SIGCONT.
 */
export function applyChaos(supervisor: Supervisor, request: ChaosRequest): FaultResult {
  if (!['kill', 'pause', 'slow'].includes(request.action) || typeof request.target !== 'string') {
    throw new CliError('chaos needs an action (kill, pause, slow) and a target');
  }
  const seconds = request.seconds ?? 10;
  if (request.action === 'kill') return supervisor.kill(request.target);
  if (request.action === 'pause') return supervisor.pause(request.target, seconds);
  return supervisor.slow(request.target, seconds, request.stallMs ?? 200);
}
