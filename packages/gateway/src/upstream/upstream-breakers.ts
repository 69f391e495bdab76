import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
} from 'cockatiel';

export interface BreakerOptions {
  /** Consecutive failed calls that open an upstream's breaker. */
  readonly threshold: number;
  /** How long it stays open before one trial call is let through. */
  readonly halfOpenAfterMs: number;
}

/** A call's result that counts as a failure for the breaker without being thrown. */
export interface BreakerResult {
  readonly failed: boolean;
}

/**
 * One cockatiel circuit breaker per upstream service. Kept to this file so the kit's resilience
 * module can replace it without touching the proxy.
 */
export class UpstreamBreakers {
  readonly #breakers = new Map<string, CircuitBreakerPolicy>();
  readonly #options: BreakerOptions;
  readonly #onState: (service: string, open: boolean) => void;

  constructor(options: BreakerOptions, onState: (service: string, open: boolean) => void) {
    this.#options = options;
    this.#onState = onState;
  }

  /** Runs `call` through `service`'s breaker; rejects with BrokenCircuitError while it is open. */
  execute<T extends BreakerResult>(service: string, call: () => Promise<T>): Promise<T> {
    return this.#breaker(service).execute(call);
  }

  #breaker(service: string): CircuitBreakerPolicy {
    let breaker = this.#breakers.get(service);
    if (breaker === undefined) {
      breaker = circuitBreaker(
        handleAll.orWhenResult((result) => (result as BreakerResult).failed),
        {
          halfOpenAfter: this.#options.halfOpenAfterMs,
          breaker: new ConsecutiveBreaker(this.#options.threshold),
        },
      );
      breaker.onStateChange((state) => this.#onState(service, state !== CircuitState.Closed));
      this.#breakers.set(service, breaker);
    }
    return breaker;
  }
}

export function isBrokenCircuit(error: unknown): boolean {
  return error instanceof BrokenCircuitError;
}
