import { env } from '../config/index.js';

/** How a process logs, shared by every process's schema so the variables mean one thing everywhere. */
export const logConfigSchema = {
  LOG_LEVEL: env.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], { default: 'info' }),
  LOG_PRETTY: env.boolean({ default: false }),
};
