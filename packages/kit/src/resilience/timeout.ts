import { type TimeoutPolicy, TimeoutStrategy, timeout } from 'cockatiel';

/**
 * A timeout that gives up at `ms` even if the work ignores its abort signal (cockatiel's aggressive
 * strategy); the signal passed to the work is aborted too, so a request in flight is cancelled.
 */
export function timeoutPolicy(ms: number): TimeoutPolicy {
  return timeout(Math.max(1, Math.floor(ms)), TimeoutStrategy.Aggressive);
}
