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
