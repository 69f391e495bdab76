/**
 * Logs, metrics and traces: the logger, the Prometheus registry and OpenTelemetry tracing.
 *
 * @packageDocumentation
 */
export { SpanKind, SpanStatusCode } from '@opentelemetry/api';
export { type CreateLoggerOptions, createLogger, type Logger } from './create-logger.js';
export { createMetrics, type ServiceMetrics } from './create-metrics.js';
export { LOG_LEVELS, type LogLevel, logConfigSchema } from './log-config.js';
export { OtlpLogShipper, type OtlpLogShipperOptions } from './otlp-log-shipper.js';
export {
  type SamplerName,
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
  type Tracing,
} from './start-telemetry.js';
export {
  logShipperOptionsFrom,
  parseKeyValueList,
  telemetryConfigSchema,
  telemetryOptionsFrom,
} from './telemetry-config.js';
export {
  currentTraceIds,
  extractTraceContext,
  injectTraceContext,
  type TraceCarrier,
  type TraceIds,
  traceLogFields,
  traceparentOf,
} from './trace-context.js';
export { markFailed, type SpanOptions, withSpan } from './with-span.js';
