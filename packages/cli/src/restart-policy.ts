export interface RestartPolicy {
  /** Delay before the first restart; doubles with each rapid crash. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
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
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (crashes.length - 1));
}
