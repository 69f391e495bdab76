/** Every knob of the policies around one call target. docs/resilience.md lists them with their defaults. */
export interface ResilienceSettings {
  /** Budget of a whole call, retries and backoff included (a caller's deadline may shorten it). */
  readonly timeoutMs: number;
  /** Budget of one attempt, so a slow instance leaves time to try another. */
  readonly attemptTimeoutMs: number;
  /** Retries after the first attempt (idempotent requests only). */
  readonly maxRetries: number;
  /** The first retry's backoff; it doubles per retry, with jitter. */
  readonly retryBaseDelayMs: number;
  /** The longest backoff between attempts. */
  readonly retryMaxDelayMs: number;
  /** Retries allowed as a fraction of calls (0.2 = one retry per five calls). */
  readonly retryBudgetRatio: number;
  /** Retries allowed per second whatever the traffic, so a quiet client can still retry. */
  readonly retryBudgetMinPerSecond: number;
  /** Consecutive failed calls that open the breaker. */
  readonly breakerThreshold: number;
  /** When set, the breaker opens on this failure rate (0–1) over `breakerWindowMs` instead. */
  readonly breakerFailureRate: number | undefined;
  /** The window the failure rate is measured over. */
  readonly breakerWindowMs: number;
  /** Calls per second below which the failure rate is not trusted enough to open. */
  readonly breakerMinimumRps: number;
  /** How long the breaker stays open before it lets one probe through. */
  readonly breakerHalfOpenAfterMs: number;
  /** Calls in flight to the target at once (the bulkhead). */
  readonly maxConcurrent: number;
  /** Calls waiting for the bulkhead; beyond it a call is refused at once. */
  readonly maxQueue: number;
  /** Keep-alive connections per instance. */
  readonly connections: number;
}

/** The settings of a target nothing configures (docs/resilience.md). */
export const defaultResilienceSettings: ResilienceSettings = {
  timeoutMs: 2_000,
  attemptTimeoutMs: 1_000,
  maxRetries: 2,
  retryBaseDelayMs: 50,
  retryMaxDelayMs: 1_000,
  retryBudgetRatio: 0.2,
  retryBudgetMinPerSecond: 5,
  breakerThreshold: 5,
  breakerFailureRate: undefined,
  breakerWindowMs: 10_000,
  breakerMinimumRps: 5,
  breakerHalfOpenAfterMs: 5_000,
  maxConcurrent: 32,
  maxQueue: 64,
  connections: 32,
};
