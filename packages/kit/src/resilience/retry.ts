import { handleWhen, type RetryPolicy, retry } from 'cockatiel';
import { FlotillaError } from '../errors/index.js';
import { type BackoffOptions, retryBackoff } from './backoff.js';
import type { RetryBudget } from './retry-budget.js';

/** When and how often a call is retried. */
export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** Shared by every call to one target; a retry the budget refuses is not made. */
  readonly budget?: RetryBudget;
  /** A last word on one retry, e.g. false when the caller's deadline leaves no time for it. */
  readonly allow?: (error: FlotillaError) => boolean;
  /** Called for each retry the budget refused (for the metrics). */
  readonly onBudgetExhausted?: () => void;
}

/** Whether a failure may succeed when tried again: a property of its catalogue code, nothing else. */
export function isRetryable(error: unknown): error is FlotillaError {
  return error instanceof FlotillaError && error.retryable;
}

/**
 * A cockatiel retry policy for ONE call (it counts that call's retries): retries only retryable
 * errors, at most `maxRetries` times, while the budget lasts, with jittered exponential backoff
 * that honours `Retry-After`.
 */
export function retryPolicy(options: RetryOptions): RetryPolicy {
  let retriesLeft = options.maxRetries;
  const shouldRetry = (error: Error): boolean => {
    if (!isRetryable(error) || retriesLeft <= 0) return false;
    if (options.allow && !options.allow(error)) return false;
    if (options.budget && !options.budget.tryWithdraw()) {
      options.onBudgetExhausted?.();
      return false;
    }
    retriesLeft--;
    return true;
  };
  return retry(handleWhen(shouldRetry), {
    maxAttempts: options.maxRetries,
    backoff: retryBackoff(options),
  });
}
