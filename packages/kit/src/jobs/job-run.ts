import type { JobTrigger } from './schedule.js';

/** Where a run stands: being attempted, waiting to retry, succeeded, or out of attempts. */
export type JobRunStatus = 'running' | 'retrying' | 'done' | 'dead';

/** One run of a job as `flotilla_job_runs` keeps it: its history entry. */
export interface JobRun {
  /** The run's id. */
  readonly id: string;
  /** The job's name. */
  readonly job: string;
  /** The tick it is for (ISO 8601). */
  readonly tick: string;
  /** A tick of the schedule, or a manual request. */
  readonly trigger: JobTrigger;
  /** Where it stands. */
  readonly status: JobRunStatus;
  /** Attempts made so far, the one in progress included. */
  readonly attempts: number;
  /** The instance that made the latest attempt. */
  readonly claimedBy: string;
  /** Why the latest failed attempt failed (kept after a later attempt succeeds). */
  readonly lastError: string | null;
  /** When the latest attempt started. */
  readonly startedAt: string;
  /** When it ended as done or dead; null before. */
  readonly finishedAt: string | null;
  /** When a retrying run is tried again. */
  readonly nextAttemptAt: string | null;
}

export const JOB_RUN_COLUMNS =
  'id, job, tick, trigger, status, attempts, claimed_by, last_error, started_at, finished_at, next_attempt_at';

export interface JobRunRow {
  id: string;
  job: string;
  tick: Date | string;
  trigger: JobTrigger;
  status: JobRunStatus;
  attempts: number;
  claimed_by: string;
  last_error: string | null;
  started_at: Date | string;
  finished_at: Date | string | null;
  next_attempt_at: Date | string | null;
}

export function toJobRun(row: JobRunRow): JobRun {
  return {
    id: row.id,
    job: row.job,
    tick: isoOf(row.tick),
    trigger: row.trigger,
    status: row.status,
    attempts: row.attempts,
    claimedBy: row.claimed_by,
    lastError: row.last_error,
    startedAt: isoOf(row.started_at),
    finishedAt: row.finished_at === null ? null : isoOf(row.finished_at),
    nextAttemptAt: row.next_attempt_at === null ? null : isoOf(row.next_attempt_at),
  };
}

function isoOf(value: Date | string): string {
  return new Date(value).toISOString();
}
