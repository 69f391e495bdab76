import { type BreakerOptions, breakerPolicy, breakerStateName } from '@flotilla/kit/resilience';
import type { Wrapper } from '../policy.js';

/** The kit's breaker settings the gateway takes: it opens on consecutive failures only. */
export type UpstreamBreakerOptions = Pick<BreakerOptions, 'threshold' | 'halfOpenAfterMs'>;

/**
 * One kit breaker per upstream service: `threshold` consecutive failures (thrown errors of 5xx
 * class, refusals, timeouts, and 502/503/504 answers but a 503 with Retry-After) open it, and while open the call fails fast
 * with the kit's BrokenCircuitError (mapped to `503 CIRCUIT_OPEN`). `onState` hears each opening
 * (half-open counts as open) and closing.
 */
export function breaker(
  options: UpstreamBreakerOptions,
  onState: (service: string, open: boolean) => void,
): Wrapper {
  const breakers = new Map<string, ReturnType<typeof breakerPolicy>>();
  const of = (service: string) => {
    let policy = breakers.get(service);
    if (policy === undefined) {
      policy = breakerPolicy(options);
      policy.onStateChange((state) => onState(service, breakerStateName(state) !== 'closed'));
      breakers.set(service, policy);
    }
    return policy;
  };

  return (next) => (context) => of(context.route.service).execute(() => next(context));
}
