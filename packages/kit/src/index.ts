export { env } from './config/index.js';
export { FlotillaError } from './errors/index.js';
export {
  defineService,
  EXIT_CONFIG,
  type RunningService,
  runService,
  type ServiceContext,
  type ServiceDefinition,
  startService,
  stopOnSignals,
} from './service/index.js';
