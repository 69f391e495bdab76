import type { RateLimitPolicy } from '../../routes/route.js';
import type { RateLimitDecision } from './gcra.js';

/** Counts one request of `bucket` (route + client key) against `policy`. */
export interface RateLimiter {
  take(bucket: string, policy: RateLimitPolicy): RateLimitDecision | Promise<RateLimitDecision>;
  /** True while shared limits are unreachable and this replica decides alone. */
  readonly usingFallback?: boolean;
  close(): Promise<void>;
}
