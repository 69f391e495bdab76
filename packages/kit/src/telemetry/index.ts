export { type CreateLoggerOptions, createLogger, type Logger } from './create-logger.js';
export { createMetrics, type ServiceMetrics } from './create-metrics.js';
