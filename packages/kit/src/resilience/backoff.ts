import {
  ExponentialBackoff,
  fullJitterGenerator,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';
import { FlotillaError } from '../errors/index.js';

export interface BackoffOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

type RetryContext = IRetryBackoffContext<unknown>;

/**
 * Exponential backoff with full jitter (cockatiel's), stretched to the `Retry-After` an upstream
 * asked for: cockatiel's backoffs do not look at the failure they follow.
 */
export function retryBackoff(options: BackoffOptions): IBackoffFactory<RetryContext> {
  const exponential = new ExponentialBackoff<number>({
    initialDelay: options.baseDelayMs,
    maxDelay: options.maxDelayMs,
    generator: fullJitterGenerator,
  });
  const honour = (inner: IBackoff<unknown>, context: RetryContext): IBackoff<RetryContext> => ({
    duration: Math.max(inner.duration, retryAfterMs(context)),
    next: (nextContext) => honour(inner.next(nextContext), nextContext),
  });
  return { next: (context) => honour(exponential.next(), context) };
}

/** The wait an upstream asked for with `Retry-After`, in ms (0 when it asked none). */
export function retryAfterMs(context: Pick<RetryContext, 'result'>): number {
  const error = 'error' in context.result ? context.result.error : undefined;
  return error instanceof FlotillaError && error.retryAfterSeconds !== undefined
    ? error.retryAfterSeconds * 1000
    : 0;
}
