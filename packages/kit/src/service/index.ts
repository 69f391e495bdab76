export { baseConfigSchema } from './base-config.js';
export {
  defineService,
  type ServiceConfig,
  type ServiceContext,
  type ServiceDefinition,
} from './define-service.js';
export { SHUTDOWN_STAGES, type ShutdownStage } from './lifecycle.js';
export { runService } from './run-service.js';
export { type RunningService, type StartServiceOptions, startService } from './start-service.js';
export { stopOnSignals } from './stop-on-signals.js';
