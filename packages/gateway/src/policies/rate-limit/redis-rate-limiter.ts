import { Redis } from 'ioredis';
import type { RateLimitPolicy } from '../../routes/route.js';
import { allowed, type RateLimitDecision, refused } from './gcra.js';
import type { LocalRateLimiter } from './local-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

// gcra.ts in Lua, atomic in Redis, on Redis's clock so replicas with skewed clocks agree.
// Numbers go back as strings: Redis truncates Lua numbers in replies to integers.
const GCRA_SCRIPT = `
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local nextTat = tat + interval
local allowAt = nextTat - burst * interval
if now < allowAt then
  return {0, tostring(allowAt - now), tostring(tat - now)}
end
redis.call('SET', KEYS[1], tostring(nextTat), 'PX', math.ceil(nextTat - now) + 1)
return {1, tostring(now - allowAt), tostring(nextTat - now)}
`;

export interface RedisRateLimiterOptions {
  readonly url: string;
  /** Longest wait for Redis before a request is decided locally. */
  readonly timeoutMs: number;
  readonly keyPrefix?: string;
  /** Called when Redis starts or stops answering (for logs and the fallback gauge). */
  readonly onFallbackChange?: (usingFallback: boolean) => void;
}

type GcraRedis = Redis & {
  gcra(key: string, interval: number, burst: number): Promise<[number, string, string]>;
};

/**
 * Limits shared by every gateway replica through Redis. When Redis does not answer (down,
 * unreachable, slower than `timeoutMs`) each request is decided by `fallback`, this replica's own
 * limiter: limits stay enforced per replica (fail-open to local limits), never a 5xx.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: GcraRedis;
  readonly #fallback: LocalRateLimiter;
  readonly #prefix: string;
  readonly #onFallbackChange: ((usingFallback: boolean) => void) | undefined;
  #usingFallback = false;

  constructor(options: RedisRateLimiterOptions, fallback: LocalRateLimiter) {
    this.#redis = new Redis(options.url, {
      // Fail fast instead of queueing while Redis is away; reconnection goes on in the background.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(options.timeoutMs, 1000),
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      lazyConnect: false,
    }) as GcraRedis;
    this.#redis.on('error', () => {
      // Connection errors are reported through #setFallback; an unhandled 'error' would crash.
    });
    this.#redis.defineCommand('gcra', { numberOfKeys: 1, lua: GCRA_SCRIPT });
    this.#fallback = fallback;
    this.#prefix = options.keyPrefix ?? 'flotilla:rate:';
    this.#onFallbackChange = options.onFallbackChange;
  }

  get usingFallback(): boolean {
    return this.#usingFallback;
  }

  async take(bucket: string, policy: RateLimitPolicy): Promise<RateLimitDecision> {
    let reply: [number, string, string];
    try {
      reply = await this.#redis.gcra(
        `${this.#prefix}${bucket}`,
        policy.windowMs / policy.limit,
        policy.burst,
      );
    } catch {
      this.#setFallback(true);
      return this.#fallback.take(bucket, policy);
    }
    this.#setFallback(false);
    const [ok, a, b] = reply;
    return ok === 1 ? allowed(policy, Number(a), Number(b)) : refused(policy, Number(a), Number(b));
  }

  #setFallback(value: boolean): void {
    if (this.#usingFallback === value) return;
    this.#usingFallback = value;
    this.#onFallbackChange?.(value);
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
    await this.#fallback.close();
  }
}
