/**
 * The Flotilla toolkit: `defineService`, `runService` and `startService`, the errors, and what a
 * service uses most. The subpaths (`@flotilla/kit/events`, `/client`, `/testing`, …) hold the rest.
 *
 * @packageDocumentation
 */
export { EXIT_CONFIG, env } from './config/index.js';
export { FlotillaError } from './errors/index.js';
export { type Job, type JobContext, type ScheduleOptions, schedule } from './jobs/index.js';
export {
  defineService,
  type RunningService,
  runService,
  type ServiceContext,
  type ServiceDefinition,
  startService,
  stopOnSignals,
} from './service/index.js';
