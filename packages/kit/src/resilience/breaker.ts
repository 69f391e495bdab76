import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  SamplingBreaker,
} from 'cockatiel';
import { FlotillaError } from '../errors/index.js';

/** When a breaker opens and for how long. */
export interface BreakerOptions {
  /** Consecutive failed calls that open the breaker. */
  readonly threshold: number;
  /** When set (0–1), the breaker opens on this failure rate over `windowMs` instead. */
  readonly failureRate?: number | undefined;
  /** The window the failure rate is measured over. */
  readonly windowMs?: number;
  /** Calls per second below which the failure rate does not open it. */
  readonly minimumRps?: number;
  /** Time open before one probe is let through (half-open). */
  readonly halfOpenAfterMs: number;
}

/** closed: calls pass; open: they fail fast; half-open: a probe passes; isolated: held open by hand. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/**
 * A failure the breaker counts: the upstream failed (5xx, timeout, unreachable). A 4xx is the
 * caller's own mistake and says nothing about the upstream's health.
 */
export function isBreakerFailure(error: unknown): boolean {
  return !(error instanceof FlotillaError) || error.status >= 500;
}

/**
 * cockatiel's circuit breaker: consecutive failures or a sampled failure rate. Half-open admits one
 * probe; calls arriving meanwhile wait for its result (cockatiel's behaviour), then run or fail fast.
 */
export function breakerPolicy(options: BreakerOptions): CircuitBreakerPolicy {
  const breaker =
    options.failureRate === undefined
      ? new ConsecutiveBreaker(options.threshold)
      : new SamplingBreaker({
          threshold: options.failureRate,
          duration: options.windowMs ?? 10_000,
          minimumRps: options.minimumRps ?? 5,
        });
  return circuitBreaker(handleWhen(isBreakerFailure), {
    halfOpenAfter: options.halfOpenAfterMs,
    breaker,
  });
}

/** The name a breaker state is shown by. */
export function breakerStateName(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half-open';
    default:
      return 'isolated';
  }
}
