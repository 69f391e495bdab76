import { Counter, Histogram, type Registry } from 'prom-client';

/** How one attempt at a run ended. */
export type JobOutcome = 'succeeded' | 'failed' | 'dead' | 'superseded';

/** The job metrics of a service. */
export interface JobsMetrics {
  /** Attempts by outcome; `dead` is the one to alert on. */
  readonly runs: Counter<'job' | 'outcome'>;
  /** `flotilla_job_run_duration_seconds`: attempts by job and outcome. */
  readonly duration: Histogram<'job' | 'outcome'>;
}

/** Registers the job metrics on `registry`. */
export function createJobsMetrics(registry: Registry): JobsMetrics {
  return {
    runs: new Counter({
      name: 'flotilla_job_runs_total',
      help: 'Attempts at scheduled job runs, by outcome (succeeded; failed and retried; dead after the last attempt; superseded: the lease had passed and another instance took the run over).',
      labelNames: ['job', 'outcome'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'flotilla_job_run_duration_seconds',
      help: 'Duration of attempts at scheduled job runs, by outcome.',
      labelNames: ['job', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
      registers: [registry],
    }),
  };
}
