/**
 * Scheduled jobs (`schedule`): each tick runs once across all instances of a service.
 *
 * @packageDocumentation
 */
export { registerJobRoutes } from './job-routes.js';
export type { JobRun, JobRunStatus } from './job-run.js';
export { type JobClock, JobRunner, type JobRunnerOptions, type JobStatus } from './job-runner.js';
export { createJobsMetrics, type JobOutcome, type JobsMetrics } from './jobs-metrics.js';
export { runJobMigrations } from './run-job-migrations.js';
export {
  type Job,
  type JobContext,
  type JobHandler,
  type JobTrigger,
  type MissedTicks,
  type ScheduleOptions,
  schedule,
} from './schedule.js';
