import { Cron } from 'croner';
import type { Queryable } from '../db/index.js';
import type { ServiceEvents } from '../events/index.js';
import type { BackoffOptions } from '../resilience/index.js';
import type { Logger } from '../telemetry/index.js';

/** What happens to ticks that passed while no instance of the service was running. */
export type MissedTicks = 'skip' | 'catch-up';

/** How a run came to be: a tick of the schedule, or someone asking for it (`POST /jobs/:name/run`). */
export type JobTrigger = 'schedule' | 'manual';

/** What a job's handler gets for one run. */
export interface JobContext {
  /** The run's open transaction: effects written through it commit together with the run's done mark. */
  readonly tx: Queryable;
  /** The outbox: `events.publish(tx, …)` commits the events with the run, or not at all. */
  readonly events: Pick<ServiceEvents, 'publish'>;
  /** The time this run is for: the tick of the schedule, or when a manual run was asked for. */
  readonly tick: Date;
  /** 1 for the first attempt at this tick. */
  readonly attempt: number;
  /** Whether a tick or a manual request started this run. */
  readonly trigger: JobTrigger;
  /** The service's logger, with the job's name and tick. */
  readonly logger: Logger;
}

/** One run of a job; a throw is retried with backoff up to `maxAttempts`. */
export type JobHandler = (context: JobContext) => Promise<void>;

/** How a job runs beside its pattern; only `name` is required. */
export interface ScheduleOptions {
  /** Unique within the service; keys the job's runs, so renaming a job starts a new history. */
  readonly name: string;
  /** Ticks that passed while every instance was down: not run (`skip`, the default) or run (`catch-up`). */
  readonly missed?: MissedTicks;
  /** IANA time zone the pattern is read in; UTC by default, so every instance sees the same ticks. */
  readonly timezone?: string;
  /** Attempts at one tick before its run is marked dead. */
  readonly maxAttempts?: number;
  /** Delay before each retry, growing from `initialDelayMs` (the kit's backoff). */
  readonly backoff?: BackoffOptions;
  /**
   * How long a claim on a run lasts. Past it the run is presumed lost with its instance and another
   * instance retries it, so keep it above the job's longest run.
   */
  readonly leaseMs?: number;
}

/** A scheduled job as a service declares it (`jobs` in `defineService`). */
export interface Job {
  /** Unique within the service; names its runs in `/jobs` and the metrics. */
  readonly name: string;
  /** The cron pattern. */
  readonly pattern: string;
  /** The IANA time zone the pattern is read in. */
  readonly timezone: string;
  /** What happens to ticks missed while no instance ran. */
  readonly missed: MissedTicks;
  /** Attempts per tick before the run is marked failed. */
  readonly maxAttempts: number;
  /** The wait between attempts. */
  readonly backoff: BackoffOptions;
  /** How long a claim on a run lasts. */
  readonly leaseMs: number;
  /** The work of one run. */
  readonly handler: JobHandler;
  /** The first tick strictly after `after` (ms since the epoch), or undefined when none is left. */
  nextTick(after: number): number | undefined;
}

/**
 * Declares a job that runs `handler` once per tick of the cron `pattern` across all instances of
 * the service: five fields (minute precision) or six with seconds first (`* * * * * *`: every
 * second). Throws on a pattern or time zone croner cannot read, or one that never fires.
 *
 * @example
 * ```ts
 * // Every night at 02:00 UTC; a tick whose run fails is retried, then marked failed.
 * export const sendInvoices = schedule(
 *   '0 2 * * *',
 *   async ({ tx, tick, events }) => {
 *     const { rows } = await tx.query(
 *       'update invoices set sent_at = $1 where sent_at is null returning id',
 *       [tick],
 *     );
 *     for (const { id } of rows) await events.publish(tx, InvoiceSent, { id }, { key: id });
 *   },
 *   { name: 'send-invoices' },
 * );
 * ```
 */
export function schedule(pattern: string, handler: JobHandler, options: ScheduleOptions): Job {
  if (!/^[\w.:-]{1,100}$/.test(options.name)) {
    throw new Error(`schedule: "${options.name}" is not a job name (letters, digits, . _ : -; up to 100)`);
  }
  const timezone = options.timezone ?? 'UTC';
  const cron = new Cron(pattern, { timezone, mode: '5-or-6-parts' });
  const nextTick = (after: number) => cron.nextRun(new Date(after))?.getTime();
  if (nextTick(Date.now()) === undefined) throw new Error(`schedule: "${pattern}" never fires`);
  const maxAttempts = options.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new Error(`schedule: maxAttempts must be a positive integer, got ${maxAttempts}`);
  }
  return {
    name: options.name,
    pattern,
    timezone,
    missed: options.missed ?? 'skip',
    maxAttempts,
    backoff: options.backoff ?? { initialDelayMs: 1_000, maxDelayMs: 60_000 },
    leaseMs: options.leaseMs ?? 60_000,
    handler,
    nextTick,
  };
}
