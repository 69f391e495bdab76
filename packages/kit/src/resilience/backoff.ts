import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import { FlotillaError } from '../errors/index.js';

/** The kit's one backoff formula: a retry loop waits by it rather than by a formula of its own. */
export interface BackoffOptions {
  /** The first retry's ceiling, in ms; each later retry doubles it. */
  readonly initialDelayMs: number;
  /** The longest wait, in ms. */
  readonly maxDelayMs: number;
}

/** The upper bound of retry number `attempt` (1-based): min(maxDelayMs, initialDelayMs × 2^(attempt − 1)). */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  return Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
}

/**
 * The delay before retry number `attempt` (1-based): exponential with full jitter, uniform in
 * [0, backoffCeiling). Full jitter spreads out the retries of callers that failed together (AWS's
 * "Exponential Backoff and Jitter"); `random` is Math.random unless a test needs the delay fixed.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}

type RetryContext = IRetryBackoffContext<unknown>;

/**
 * `backoffDelay` as a cockatiel backoff, stretched to the `Retry-After` an upstream asked for:
 * cockatiel's backoffs do not look at the failure they follow.
 */
export function retryBackoff(options: BackoffOptions): IBackoffFactory<RetryContext> {
  const retry = (attempt: number, context: RetryContext): IBackoff<RetryContext> => ({
    duration: Math.max(backoffDelay(attempt, options), retryAfterMs(context)),
    next: (nextContext) => retry(attempt + 1, nextContext),
  });
  return { next: (context) => retry(1, context) };
}

/** The wait an upstream asked for with `Retry-After`, in ms (0 when it asked none). */
export function retryAfterMs(context: Pick<RetryContext, 'result'>): number {
  const error = 'error' in context.result ? context.result.error : undefined;
  return error instanceof FlotillaError && error.retryAfterSeconds !== undefined
    ? error.retryAfterSeconds * 1000
    : 0;
}
