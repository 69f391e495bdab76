import { env } from '../config/index.js';
import type { ResilienceSettings } from '../resilience/index.js';

/** `users` → `CLIENT_USERS_`, `order-history` → `CLIENT_ORDER_HISTORY_`. */
export function clientConfigPrefix(target: string): string {
  return `CLIENT_${target.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

const percent = (describe: string) => env.integer({ min: 0, max: 100, optional: true, describe });

/**
 * The per-target settings of the service client, all optional (unset → the defaults of
 * docs/resilience.md). A service merges this for each target it calls (`calls` in its definition),
 * so a bad value is reported at start-up with every other configuration problem.
 */
export function clientConfigSchema(target: string) {
  const p = clientConfigPrefix(target);
  return {
    [`${p}TIMEOUT`]: env.duration({ optional: true, describe: 'budget of a whole call' }),
    [`${p}ATTEMPT_TIMEOUT`]: env.duration({ optional: true, describe: 'budget of one attempt' }),
    [`${p}RETRIES`]: env.integer({ min: 0, max: 10, optional: true }),
    [`${p}RETRY_BASE_DELAY`]: env.duration({ optional: true }),
    [`${p}RETRY_MAX_DELAY`]: env.duration({ optional: true }),
    [`${p}RETRY_BUDGET_PERCENT`]: percent('retries as a percentage of calls'),
    [`${p}RETRY_BUDGET_MIN_PER_SECOND`]: env.integer({ min: 0, max: 1000, optional: true }),
    [`${p}BREAKER_THRESHOLD`]: env.integer({ min: 1, max: 1000, optional: true }),
    [`${p}BREAKER_FAILURE_RATE_PERCENT`]: percent('open on this failure rate instead of a count'),
    [`${p}BREAKER_WINDOW`]: env.duration({ optional: true }),
    [`${p}BREAKER_MIN_RPS`]: env.integer({ min: 0, max: 100_000, optional: true }),
    [`${p}BREAKER_HALF_OPEN_AFTER`]: env.duration({ optional: true }),
    [`${p}MAX_CONCURRENT`]: env.integer({ min: 1, max: 10_000, optional: true }),
    [`${p}MAX_QUEUE`]: env.integer({ min: 0, max: 100_000, optional: true }),
    [`${p}CONNECTIONS`]: env.integer({ min: 1, max: 10_000, optional: true }),
  };
}

const FIELDS: Readonly<Record<string, [keyof ResilienceSettings, (value: number) => number]>> = {
  TIMEOUT: ['timeoutMs', (v) => v],
  ATTEMPT_TIMEOUT: ['attemptTimeoutMs', (v) => v],
  RETRIES: ['maxRetries', (v) => v],
  RETRY_BASE_DELAY: ['retryBaseDelayMs', (v) => v],
  RETRY_MAX_DELAY: ['retryMaxDelayMs', (v) => v],
  RETRY_BUDGET_PERCENT: ['retryBudgetRatio', (v) => v / 100],
  RETRY_BUDGET_MIN_PER_SECOND: ['retryBudgetMinPerSecond', (v) => v],
  BREAKER_THRESHOLD: ['breakerThreshold', (v) => v],
  BREAKER_FAILURE_RATE_PERCENT: ['breakerFailureRate', (v) => v / 100],
  BREAKER_WINDOW: ['breakerWindowMs', (v) => v],
  BREAKER_MIN_RPS: ['breakerMinimumRps', (v) => v],
  BREAKER_HALF_OPEN_AFTER: ['breakerHalfOpenAfterMs', (v) => v],
  MAX_CONCURRENT: ['maxConcurrent', (v) => v],
  MAX_QUEUE: ['maxQueue', (v) => v],
  CONNECTIONS: ['connections', (v) => v],
};

/** The settings a loaded config holds for `target` (only those that were set). */
export function clientSettingsFromConfig(
  config: Readonly<Record<string, unknown>>,
  target: string,
): Partial<ResilienceSettings> {
  const prefix = clientConfigPrefix(target);
  const settings: Record<string, number> = {};
  for (const [suffix, [field, convert]] of Object.entries(FIELDS)) {
    const value = config[`${prefix}${suffix}`];
    if (typeof value === 'number') settings[field] = convert(value);
  }
  return settings as Partial<ResilienceSettings>;
}
