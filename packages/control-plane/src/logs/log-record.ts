import { LOG_LEVELS as PROCESS_LOG_LEVELS, type LogLevel as ProcessLogLevel } from '@flotilla/kit/telemetry';
import type { Attributes } from '../traces/span-record.js';

/** A line's level: pino's level names (the kit's, but for `silent`), which OTLP severity numbers map onto. */
export type LogLevel = Exclude<ProcessLogLevel, 'silent'>;

/** Least severe first: OTLP severity numbers map onto them in this order. */
export const LOG_LEVELS: readonly LogLevel[] = PROCESS_LOG_LEVELS.filter(
  (level): level is LogLevel => level !== 'silent',
);

/** One log line as the logs API returns it. */
export interface LogView {
  /** Arrival order in this control plane; `after` in a query continues from it. */
  readonly seq: number;
  /** ISO 8601, millisecond precision. */
  readonly time: string;
  readonly service: string;
  /** `service.instance.id` of the process that wrote it, when it says. */
  readonly instance: string | null;
  readonly level: LogLevel;
  readonly message: string;
  readonly traceId: string | null;
  readonly spanId: string | null;
  /** The line's other fields (pino's bindings and the logged object). */
  readonly attributes: Attributes;
}

/** A line before the store numbers it. */
export type NewLog = Omit<LogView, 'seq'>;
