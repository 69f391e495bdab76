import { ExponentialBackoff } from 'cockatiel';

export interface BackoffOptions {
  /** First delay, in ms. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * The delay before retry number `attempt` (1-based), from cockatiel's exponential backoff with
 * decorrelated jitter: the same backoff the kit's service client uses.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const factory = new ExponentialBackoff({
    initialDelay: options.initialDelayMs,
    maxDelay: options.maxDelayMs,
  });
  let backoff = factory.next();
  for (let step = 1; step < attempt; step++) backoff = backoff.next(undefined);
  return backoff.duration;
}
