import type { JobClock } from '../jobs/index.js';

/** A clock that stands still until the test moves it. */
export interface TestClock extends JobClock {
  /** Moves the time forward by `ms`. */
  advance(ms: number): void;
  /** Moves the time to `at` (forward or back). */
  set(at: Date | string | number): void;
}

/**
 * A hand-moved clock for a service's schedules: `startService(definition, { clock })` makes its job
 * runner decide due ticks by it, and each move wakes the runner at once, so a test reaches the tick
 * it wants without waiting for it. Only the ticks follow it: the database's `now()` (leases, retry
 * times) and the backoff between attempts stay real, so shorten those with the job's `backoff` and
 * the `events` tuning of `startService`.
 *
 * @example
 * const clock = testClock('2030-01-01T08:59:59Z');
 * const service = await startService(reportsService, { environment: {}, database, clock });
 * clock.advance(1_000); // 09:00:00: the hourly job runs
 * await expect.poll(() => publishedEvents(service.context.db, 'report.made')).toHaveLength(1);
 */
export function testClock(start: Date | string | number = Date.now()): TestClock {
  let now = toTime(start);
  const listeners: (() => void)[] = [];
  const moveTo = (at: number) => {
    now = at;
    for (const listener of listeners) listener();
  };
  return {
    now: () => now,
    onJump: (listener) => {
      listeners.push(listener);
    },
    advance: (ms) => moveTo(now + ms),
    set: (at) => moveTo(toTime(at)),
  };
}

function toTime(at: Date | string | number): number {
  const ms = new Date(at).getTime();
  if (Number.isNaN(ms)) throw new Error(`testClock: ${String(at)} is not a time`);
  return ms;
}
