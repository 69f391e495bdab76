import { type BackoffOptions, backoffCeiling } from '@flotilla/kit/resilience';

/**
 * Restart delays are the kit's backoff without jitter: one supervisor restarts its own processes,
 * so there is no crowd of callers to spread out, and a fixed delay is easier to read in its log.
 * The first restart waits `initialDelayMs`, each rapid crash doubles it.
 */
export interface RestartPolicy extends BackoffOptions {
  /** Crashes within `windowMs` after which the supervisor gives up on a process. */
  readonly maxCrashes: number;
  readonly windowMs: number;
}

export const defaultRestartPolicy: RestartPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  maxCrashes: 5,
  windowMs: 60_000,
};

/**
 * What to do after a crash at `now`, given earlier crash times: the delay before restarting, or
 * `undefined` to give up. Only crashes inside the window count, so a process that crashes once a
 * day restarts at once every time.
 */
export function nextRestart(policy: RestartPolicy, crashes: number[], now: number): number | undefined {
  while (crashes.length > 0 && crashes[0]! <= now - policy.windowMs) crashes.shift();
  crashes.push(now);
  if (crashes.length >= policy.maxCrashes) return undefined;
  return backoffCeiling(crashes.length, policy);
}
