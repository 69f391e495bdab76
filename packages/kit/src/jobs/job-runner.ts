// Over 250 lines on purpose: one runner holds the claim, lease, retry, takeover and finish of a
// run, which share its state and its invariants (a run is finished only by the instance and
// attempt that hold it); split across files they would be read apart.
import { randomUUID } from 'node:crypto';
import { type Context, context, ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import { type Database, newId } from '../db/index.js';
import { FlotillaError } from '../errors/index.js';
import { publishEvent, type ServiceEvents } from '../events/index.js';
import { backoffDelay } from '../resilience/index.js';
import { type Logger, markFailed, SpanKind, type Tracing } from '../telemetry/index.js';
import { JOB_RUN_COLUMNS, type JobRun, type JobRunRow, toJobRun } from './job-run.js';
import type { JobOutcome, JobsMetrics } from './jobs-metrics.js';
import type { Job, JobContext, JobTrigger, MissedTicks } from './schedule.js';

/** What a job runner needs; a service builds one from its definition's `jobs`. */
export interface JobRunnerOptions {
  /** Where the runs are claimed and recorded (`flotilla_job_runs`). */
  readonly db: Database;
  /** The jobs to run. */
  readonly jobs: readonly Job[];
  /** Where runs and failures are logged. */
  readonly logger: Logger;
  /** The outbox handed to handlers; a service passes its own, which traces the write. */
  readonly events?: Pick<ServiceEvents, 'publish'>;
  /** Runs and their durations by job and outcome. */
  readonly metrics?: JobsMetrics;
  /** A span per attempt at a run. */
  readonly tracing?: Tracing;
  /** Names this instance in the runs it claims. */
  readonly instanceId?: string;
  /** Decides when a tick is due; the system clock unless a test brings its own. */
  readonly clock?: JobClock;
  /**
   * Backstop for runs other instances left to retry or abandoned: each pass also sleeps only until
   * the earliest retry or lease end it saw, so this bounds only what was written after it looked.
   */
  readonly pollIntervalMs?: number;
  /** Finished runs older than this are deleted, except each job's latest tick (catch-up starts there). */
  readonly retentionMs?: number;
}

/** Where the runner reads the time. */
export interface JobClock {
  /** Now, in ms since the epoch. */
  now(): number;
  /**
   * Registers `listener` to be called when the time jumps (a test's clock moved by hand): a runner
   * asleep until a tick would otherwise notice only when its sleep ends.
   */
  onJump?(listener: () => void): void;
}

const systemClock: JobClock = { now: Date.now };

/** A job as `GET /jobs` shows it: its settings, its next tick and its latest runs. */
export interface JobStatus {
  /** The job's name. */
  readonly name: string;
  /** Its cron pattern. */
  readonly schedule: string;
  /** The time zone the pattern is read in. */
  readonly timezone: string;
  /** What happens to missed ticks. */
  readonly missed: MissedTicks;
  /** Attempts per tick. */
  readonly maxAttempts: number;
  /** How long a claim on a run lasts. */
  readonly leaseMs: number;
  /** Its next tick (ISO 8601), or null when none is left. */
  readonly nextTick: string | null;
  /** Its latest runs, newest first. */
  readonly runs: readonly JobRun[];
}

/** A run this instance holds the claim on, for one attempt. */
interface Claim {
  readonly id: string;
  readonly job: Job;
  readonly tick: Date;
  readonly trigger: JobTrigger;
  readonly attempt: number;
}

/** The run's row no longer names this attempt's claim: another instance took the run over. */
class Superseded extends Error {}

const PRUNE_EVERY_MS = 60_000;
/** Sleeps are cut into pieces so a clock that jumps (or a yearly tick) is noticed. */
const LONGEST_SLEEP_MS = 60_000;

/**
 * Runs a service's jobs: every instance runs one, and each tick runs once across them. Each
 * instance tries to insert the tick's row in `flotilla_job_runs`; the unique (job, tick) lets one
 * win. The winner runs the handler in a transaction that also marks the row done, guarded by its
 * claim, so the effects commit once even when a run outlives its lease and another instance takes
 * it over. Failed attempts are retried with backoff by whichever instance comes first, and the run
 * is marked dead after the job's last attempt.
 */
export class JobRunner {
  readonly #options: Required<Omit<JobRunnerOptions, 'metrics' | 'tracing'>> &
    Pick<JobRunnerOptions, 'metrics' | 'tracing'>;
  readonly #jobs = new Map<string, Job>();
  readonly #sleepers = new Set<() => void>();
  readonly #manualRuns = new Set<Promise<void>>();
  #running = false;
  #loops: Promise<void>[] = [];
  #nudged = false;
  #wakeRecovery: (() => void) | undefined;
  #lastPrune = Number.NEGATIVE_INFINITY;

  constructor(options: JobRunnerOptions) {
    this.#options = {
      events: { publish: publishEvent },
      instanceId: randomUUID(),
      clock: systemClock,
      pollIntervalMs: 5_000,
      retentionMs: 7 * 24 * 3_600_000,
      ...options,
    };
    for (const job of options.jobs) {
      if (this.#jobs.has(job.name)) throw new Error(`schedule: a job named "${job.name}" already exists`);
      this.#jobs.set(job.name, job);
    }
    this.#options.clock.onJump?.(() => this.#wakeSleepers());
  }

  /** Starts waiting for ticks, and for runs to retry or take over. */
  start(): void {
    if (this.#running || this.#jobs.size === 0) return;
    this.#running = true;
    this.#loops = [...[...this.#jobs.values()].map((job) => this.#schedule(job)), this.#recover()];
  }

  /**
   * Claims nothing more and waits for the runs in progress here, at most `timeoutMs`: a run the
   * process exit then cuts off is rolled back, and retried elsewhere once its lease passes.
   */
  async stop(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.#running = false;
    this.#wakeSleepers();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve('deadline'), timeoutMs);
    });
    const settled = Promise.all([...this.#loops, ...this.#manualRuns]).then(() => 'settled' as const);
    const outcome = await Promise.race([settled, deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      this.#options.logger.warn(
        { timeoutMs },
        'jobs: runs still in progress at the deadline; left to their lease',
      );
    }
  }

  /**
   * Claims a run of `name` for now and starts it (in the caller's trace); resolves to the run once
   * claimed, before it finishes. Retries and the dead state apply as to scheduled runs.
   */
  async runNow(name: string): Promise<JobRun> {
    const job = this.#jobs.get(name);
    if (!job) throw new FlotillaError('NOT_FOUND', { detail: `no job named "${name}" in this service` });
    if (!this.#running) throw new FlotillaError('SHUTTING_DOWN', { detail: 'jobs are not running' });
    const row = await this.#insertRun(job, this.#options.clock.now(), 'manual');
    if (!row) {
      throw new FlotillaError('CONFLICT', { detail: `job "${name}" has a run for this very millisecond` });
    }
    const run = this.#execute(toClaim(job, row), context.active()).finally(() =>
      this.#manualRuns.delete(run),
    );
    this.#manualRuns.add(run);
    return toJobRun(row);
  }

  /** Every job with its next tick and its latest `limit` runs, newest first. */
  async list(limit: number): Promise<JobStatus[]> {
    const names = [...this.#jobs.keys()];
    // A lateral LIMIT per job reads the (job, tick) index backwards: as cheap with a long history.
    const { rows } = await this.#options.db.query<JobRunRow>(
      `SELECT r.* FROM unnest($1::text[]) AS j(name)
       CROSS JOIN LATERAL (
         SELECT ${JOB_RUN_COLUMNS} FROM flotilla_job_runs WHERE job = j.name ORDER BY tick DESC LIMIT $2
       ) AS r
       ORDER BY r.tick DESC`,
      [names, limit],
    );
    const now = this.#options.clock.now();
    return [...this.#jobs.values()].map((job) => {
      const next = job.nextTick(now);
      return {
        name: job.name,
        schedule: job.pattern,
        timezone: job.timezone,
        missed: job.missed,
        maxAttempts: job.maxAttempts,
        leaseMs: job.leaseMs,
        nextTick: next === undefined ? null : new Date(next).toISOString(),
        runs: rows.filter((row) => row.job === job.name).map(toJobRun),
      };
    });
  }

  /** Follows one job's ticks: at each, tries to claim it and runs it when the claim is ours. */
  async #schedule(job: Job): Promise<void> {
    let cursor: number | undefined;
    while (this.#running) {
      try {
        cursor ??= await this.#startingPoint(job);
        const tick = job.nextTick(cursor);
        if (tick === undefined) return;
        if (!(await this.#waitUntil(tick))) return;
        const row = await this.#insertRun(job, tick, 'schedule');
        cursor = tick;
        if (row) await this.#execute(toClaim(job, row), ROOT_CONTEXT);
      } catch (error) {
        // The tick stays due: claimed late, not lost, once the database answers again.
        this.#options.logger.error({ err: error, job: job.name }, 'job scheduler: claiming a tick failed');
        await this.#sleep(this.#options.pollIntervalMs);
      }
    }
  }

  /**
   * Where a job's ticks start: now, so ticks that passed while no instance ran are skipped; or,
   * to catch up, its latest tick on record, so each one since is claimed in turn.
   */
  async #startingPoint(job: Job): Promise<number> {
    if (job.missed === 'skip') return this.#options.clock.now();
    const { rows } = await this.#options.db.query<{ tick: Date | string | null }>(
      "SELECT max(tick) AS tick FROM flotilla_job_runs WHERE job = $1 AND trigger = 'schedule'",
      [job.name],
    );
    const last = rows[0]?.tick;
    return last == null ? this.#options.clock.now() : new Date(last).getTime();
  }

  async #insertRun(job: Job, tick: number, trigger: JobTrigger): Promise<JobRunRow | undefined> {
    const { rows } = await this.#options.db.query<JobRunRow>(
      `INSERT INTO flotilla_job_runs (id, job, tick, trigger, status, attempts, claimed_by, claimed_until)
       VALUES ($1, $2, $3, $4, 'running', 1, $5, now() + $6 * interval '1 millisecond')
       ON CONFLICT (job, tick) DO NOTHING
       RETURNING ${JOB_RUN_COLUMNS}`,
      [newId(), job.name, new Date(tick).toISOString(), trigger, this.#options.instanceId, job.leaseMs],
    );
    return rows[0];
  }

  /** Takes over runs whose retry is due or whose lease has passed, from any instance, one at a time. */
  async #recover(): Promise<void> {
    const { logger, pollIntervalMs } = this.#options;
    while (this.#running) {
      this.#nudged = false;
      let wait = pollIntervalMs;
      try {
        let claim = await this.#reclaim();
        while (claim) {
          await this.#execute(claim, ROOT_CONTEXT);
          claim = this.#running ? await this.#reclaim() : undefined;
        }
        await this.#prune();
        wait = Math.min(wait, await this.#untilNextDue());
      } catch (error) {
        logger.error({ err: error }, 'job runner: looking for runs to retry failed');
      }
      if (this.#nudged || !this.#running) continue;
      await this.#sleep(wait, (wake) => {
        this.#wakeRecovery = wake;
      });
    }
  }

  async #reclaim(): Promise<Claim | undefined> {
    const { db, instanceId, logger, metrics } = this.#options;
    return db.transaction(async (tx) => {
      for (;;) {
        const { rows } = await tx.query<{
          id: string;
          job: string;
          tick: Date | string;
          trigger: JobTrigger;
          status: 'running' | 'retrying';
          attempts: number;
          claimed_by: string;
        }>(
          `SELECT id, job, tick, trigger, status, attempts, claimed_by FROM flotilla_job_runs
           WHERE job = ANY($1) AND status IN ('running', 'retrying')
             AND CASE status WHEN 'retrying' THEN next_attempt_at ELSE claimed_until END <= now()
           ORDER BY tick LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [[...this.#jobs.keys()]],
        );
        const row = rows[0];
        if (!row) return undefined;
        const job = this.#jobs.get(row.job)!;
        const lost =
          row.status === 'running'
            ? `attempt ${row.attempts} (instance ${row.claimed_by}) did not finish within its lease of ${job.leaseMs} ms`
            : null;
        if (lost && row.attempts >= job.maxAttempts) {
          await tx.query(
            `UPDATE flotilla_job_runs SET status = 'dead', claimed_until = NULL, finished_at = now(), last_error = $2
             WHERE id = $1`,
            [row.id, lost],
          );
          metrics?.runs.inc({ job: job.name, outcome: 'dead' });
          logger.error(
            { job: job.name, tick: new Date(row.tick).toISOString(), error: lost },
            'job run dead',
          );
          continue;
        }
        await tx.query(
          `UPDATE flotilla_job_runs
           SET status = 'running', attempts = attempts + 1, claimed_by = $2,
               claimed_until = now() + $3 * interval '1 millisecond', next_attempt_at = NULL,
               started_at = now(), last_error = COALESCE($4, last_error)
           WHERE id = $1`,
          [row.id, instanceId, job.leaseMs, lost],
        );
        return { id: row.id, job, tick: new Date(row.tick), trigger: row.trigger, attempt: row.attempts + 1 };
      }
    });
  }

  /** Milliseconds until the earliest retry or lease end among open runs; the poll interval if none. */
  async #untilNextDue(): Promise<number> {
    const { rows } = await this.#options.db.query<{ ms: number | null }>(
      `SELECT (EXTRACT(EPOCH FROM min(CASE status WHEN 'retrying' THEN next_attempt_at ELSE claimed_until END) - now()) * 1000)::float8 AS ms
       FROM flotilla_job_runs WHERE job = ANY($1) AND status IN ('running', 'retrying')`,
      [[...this.#jobs.keys()]],
    );
    const ms = rows[0]?.ms;
    // One millisecond past it, so the row is due by the database's clock when the pass looks.
    return ms == null ? this.#options.pollIntervalMs : Math.max(0, Math.ceil(ms)) + 1;
  }

  async #prune(): Promise<void> {
    const { db, clock, retentionMs } = this.#options;
    if (clock.now() - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = clock.now();
    await db.query(
      `DELETE FROM flotilla_job_runs AS r
       WHERE r.job = ANY($1) AND r.status = 'done' AND r.finished_at < now() - $2 * interval '1 millisecond'
         AND (r.trigger = 'manual'
              OR r.tick < (SELECT max(l.tick) FROM flotilla_job_runs AS l WHERE l.job = r.job AND l.trigger = 'schedule'))`,
      [[...this.#jobs.keys()], retentionMs],
    );
  }

  /** One attempt at a claimed run, in its span, counted. Never throws: the outcome is recorded. */
  async #execute(claim: Claim, parent: Context): Promise<void> {
    const { tracing, metrics } = this.#options;
    const started = performance.now();
    const outcome = tracing
      ? await tracing.withSpan(
          `job ${claim.job.name}`,
          {
            kind: SpanKind.INTERNAL,
            parent,
            attributes: {
              'flotilla.job.name': claim.job.name,
              'flotilla.job.tick': claim.tick.toISOString(),
              'flotilla.job.attempt': claim.attempt,
              'flotilla.job.trigger': claim.trigger,
            },
          },
          async (span) => {
            const result = await this.#attempt(claim, span);
            span.setAttribute('flotilla.job.outcome', result);
            return result;
          },
        )
      : await this.#attempt(claim, undefined);
    metrics?.runs.inc({ job: claim.job.name, outcome });
    metrics?.duration.observe({ job: claim.job.name, outcome }, (performance.now() - started) / 1000);
  }

  async #attempt(claim: Claim, span: Span | undefined): Promise<JobOutcome> {
    const { db, instanceId, events } = this.#options;
    const logger = this.#options.logger.child({
      job: claim.job.name,
      tick: claim.tick.toISOString(),
      attempt: claim.attempt,
      trigger: claim.trigger,
    });
    try {
      await db.transaction(async (tx) => {
        const jobContext: JobContext = {
          tx,
          events,
          tick: claim.tick,
          attempt: claim.attempt,
          trigger: claim.trigger,
          logger,
        };
        await claim.job.handler(jobContext);
        const { rowCount } = await tx.query(
          `UPDATE flotilla_job_runs SET status = 'done', claimed_until = NULL, finished_at = now()
           WHERE id = $1 AND claimed_by = $2 AND attempts = $3 AND status = 'running'`,
          [claim.id, instanceId, claim.attempt],
        );
        if (rowCount === 0) throw new Superseded('another instance took the run over after its lease');
      });
      return 'succeeded';
    } catch (error) {
      if (span) markFailed(span, error);
      if (error instanceof Superseded) {
        logger.warn('job run taken over by another instance after its lease; this attempt was rolled back');
        return 'superseded';
      }
      return this.#recordFailure(claim, error, logger);
    }
  }

  async #recordFailure(claim: Claim, error: unknown, logger: Logger): Promise<JobOutcome> {
    const { db, instanceId } = this.#options;
    const message = error instanceof Error ? error.message : String(error);
    const dead = claim.attempt >= claim.job.maxAttempts;
    const delayMs = dead ? 0 : backoffDelay(claim.attempt, claim.job.backoff);
    let recorded: boolean;
    try {
      const { rowCount } = await db.query(
        `UPDATE flotilla_job_runs
         SET status = $4, last_error = $5, claimed_until = NULL,
             next_attempt_at = CASE WHEN $4 = 'retrying' THEN now() + $6 * interval '1 millisecond' END,
             finished_at = CASE WHEN $4 = 'dead' THEN now() END
         WHERE id = $1 AND claimed_by = $2 AND attempts = $3 AND status = 'running'`,
        [claim.id, instanceId, claim.attempt, dead ? 'dead' : 'retrying', message, delayMs],
      );
      recorded = rowCount > 0;
    } catch (recordError) {
      logger.error(
        { err: recordError, jobError: message },
        'job run failed and the failure could not be recorded; it is retried once its lease passes',
      );
      return 'failed';
    }
    if (!recorded) {
      logger.warn({ err: error }, 'job run failed after another instance took it over');
      return 'superseded';
    }
    if (dead) logger.error({ err: error }, 'job run dead after its last attempt');
    else logger.warn({ err: error, retryInMs: delayMs }, 'job run failed; retrying');
    this.#nudge();
    return dead ? 'dead' : 'failed';
  }

  /** A retry was just scheduled: the recovery pass recomputes when to look next. */
  #nudge(): void {
    this.#nudged = true;
    this.#wakeRecovery?.();
  }

  /** Resolves true once the clock reaches `at`, false if the runner stopped first. */
  async #waitUntil(at: number): Promise<boolean> {
    for (let now = this.#options.clock.now(); now < at; now = this.#options.clock.now()) {
      if (!this.#running) return false;
      await this.#sleep(Math.min(at - now, LONGEST_SLEEP_MS));
    }
    return this.#running;
  }

  #wakeSleepers(): void {
    for (const wake of [...this.#sleepers]) wake();
  }

  #sleep(ms: number, expose?: (wake: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
      expose?.(wake);
    });
  }
}

function toClaim(job: Job, row: JobRunRow): Claim {
  return { id: row.id, job, tick: new Date(row.tick), trigger: row.trigger, attempt: row.attempts };
}
