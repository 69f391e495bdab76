import type { RateLimitPolicy } from '../../routes/route.js';
import { gcra, type RateLimitDecision } from './gcra.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * GCRA in this process. Written here rather than taken from @fastify/rate-limit: that plugin counts
 * fixed windows (no burst on top of a sustained rate), is bound to Fastify's request cycle, and its
 * Redis store has no local fallback when Redis is down; GCRA needs one number per client.
 */
export class LocalRateLimiter implements RateLimiter {
  readonly #tats = new Map<string, number>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(sweepEveryMs = 10_000) {
    // A bucket whose TAT has passed is full, exactly like an absent one: dropping it bounds memory.
    this.#sweeper = setInterval(() => {
      const now = Date.now();
      for (const [bucket, tat] of this.#tats) if (tat <= now) this.#tats.delete(bucket);
    }, sweepEveryMs);
    this.#sweeper.unref();
  }

  take(bucket: string, policy: RateLimitPolicy, now = Date.now()): RateLimitDecision {
    const { decision, tat } = gcra(this.#tats.get(bucket), now, policy);
    if (decision.allowed) this.#tats.set(bucket, tat!);
    return decision;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }
}
