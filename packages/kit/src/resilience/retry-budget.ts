/**
 * A token bucket of retries: each call deposits `ratio` tokens, each retry spends one, and a small
 * reserve refills with time. cockatiel has no retry budget (its retry policy caps attempts per call,
 * not retries across calls), and without one a struggling service receives (1 + maxRetries) × its
 * traffic exactly when it can least take it. Modelled on Finagle's RetryBudget.
 */
export interface RetryBudgetOptions {
  /** Retries earned per call, e.g. 0.2. */
  readonly ratio: number;
  /** Retries allowed per second regardless of traffic; 0 for a strict ratio. */
  readonly minPerSecond: number;
  /** The time, in ms; tests bring their own. */
  readonly now?: () => number;
}

/** Retries earned by calls: one budget per target, shared by its calls. */
export class RetryBudget {
  readonly #ratio: number;
  readonly #minPerSecond: number;
  readonly #now: () => number;
  // Earned tokens are capped so that a long quiet success streak cannot fund a retry storm later.
  readonly #earnedCap: number;
  #earned = 0;
  #reserve: number;
  #refilledAt: number;

  constructor(options: RetryBudgetOptions) {
    this.#ratio = options.ratio;
    this.#minPerSecond = options.minPerSecond;
    this.#now = options.now ?? Date.now;
    this.#earnedCap = Math.max(1, options.ratio * 100);
    this.#reserve = options.minPerSecond;
    this.#refilledAt = this.#now();
  }

  /** Records one call (not a retry). */
  deposit(): void {
    this.#earned = Math.min(this.#earnedCap, this.#earned + this.#ratio);
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryWithdraw(): boolean {
    this.#refill();
    // A small epsilon: 5 deposits of 0.2 must buy one retry despite floating point.
    if (this.#earned >= 1 - 1e-9) {
      this.#earned = Math.max(0, this.#earned - 1);
      return true;
    }
    if (this.#reserve >= 1) {
      this.#reserve -= 1;
      return true;
    }
    return false;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#refilledAt);
    this.#refilledAt = now;
    this.#reserve = Math.min(this.#minPerSecond, this.#reserve + (elapsed / 1000) * this.#minPerSecond);
  }
}
