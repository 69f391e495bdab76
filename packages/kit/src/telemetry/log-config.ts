import { env, type Variable } from '../config/index.js';

/** How much a process logs, least first (`silent`: nothing). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Every `LogLevel`, least first. */
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** How a process logs, shared by every process's schema so the variables mean one thing everywhere. */
export const logConfigSchema: {
  /** `LOG_LEVEL`, `info` by default. */
  readonly LOG_LEVEL: Variable<LogLevel>;
  /** `LOG_PRETTY`: human-readable lines instead of JSON, `false` by default. */
  readonly LOG_PRETTY: Variable<boolean>;
} = {
  LOG_LEVEL: env.oneOf(LOG_LEVELS, { default: 'info' }),
  LOG_PRETTY: env.boolean({ default: false }),
};
