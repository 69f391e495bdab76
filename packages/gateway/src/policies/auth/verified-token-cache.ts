interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/**
 * Verified tokens, so a client reusing its token does not pay a signature check per request.
 * Bounded: the oldest entry goes when full (a Map keeps insertion order). An entry lives until the
 * token's `exp` or `ttlMs`, whichever comes first, so a cached token never outlives its validity.
 */
export class VerifiedTokenCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #max: number;
  readonly #ttlMs: number;

  constructor(max: number, ttlMs: number) {
    this.#max = max;
    this.#ttlMs = ttlMs;
  }

  get(token: string, now: number): T | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  /** `exp`: the token's expiry in seconds since the epoch, when it has one. */
  set(token: string, value: T, exp: number | undefined, now: number): void {
    if (this.#max === 0) return;
    const expiresAt = Math.min(now + this.#ttlMs, exp === undefined ? Infinity : exp * 1000);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(token, { value, expiresAt });
  }
}
