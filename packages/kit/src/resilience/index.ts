/**
 * Timeouts, retries with backoff and budget, circuit breakers and bulkheads.
 *
 * @packageDocumentation
 */
export { type BackoffOptions, backoffCeiling, backoffDelay, retryAfterMs, retryBackoff } from './backoff.js';
export {
  type BreakerOptions,
  type BreakerState,
  breakerPolicy,
  breakerStateName,
  isBreakerFailure,
} from './breaker.js';
export { type BulkheadOptions, bulkheadPolicy } from './bulkhead.js';
export { type Fallback, withFallback } from './fallback.js';
export { type PolicyErrorContext, toPolicyError } from './policy-error.js';
export { defaultResilienceSettings, type ResilienceSettings } from './resilience-settings.js';
export { isRetryable, type RetryOptions, retryPolicy } from './retry.js';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
export { timeoutPolicy } from './timeout.js';
