import { FlotillaError } from '@flotilla/kit/errors';
import type { GatewayMetrics } from '../../gateway-metrics.js';
import type { RequestContext } from '../../request-context.js';
import type { Guard } from '../policy.js';

export interface LoadShedderOptions {
  /** Event-loop lag above which new requests are refused. */
  readonly maxLagMs: number;
  /** Requests in flight above which new requests are refused. */
  readonly maxInFlight: number;
  readonly sampleEveryMs?: number;
}

/**
 * Says when to refuse work fast (503 + Retry-After) rather than queue it without bound. The lag is
 * measured as the lateness of a timer, which is known at the first tick after a stall, before the
 * requests queued during that stall are read; perf_hooks' delay histogram only tells on read.
 */
export class LoadShedder {
  readonly #timer: NodeJS.Timeout;
  readonly #maxInFlight: number;
  /** Routed requests between their route match and their answer; the pipeline counts them. */
  inFlight = 0;
  #lagging = false;

  constructor(options: LoadShedderOptions) {
    const every = options.sampleEveryMs ?? 50;
    let last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#lagging = now - last - every > options.maxLagMs;
      last = now;
    }, every);
    this.#timer.unref();
    this.#maxInFlight = options.maxInFlight;
  }

  get overloaded(): boolean {
    return this.#lagging || this.inFlight >= this.#maxInFlight;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

/**
 * Refuses every request, own endpoints included, with `503 OVERLOADED` while `shedder` says the
 * gateway is overloaded. The connection is closed after the answer, so an overloaded gateway sheds
 * the connections it holds too.
 */
export function shedding(shedder: LoadShedder, metrics: GatewayMetrics): Guard<RequestContext> {
  return (context) => {
    if (!shedder.overloaded) return undefined;
    metrics.shed();
    context.response.shouldKeepAlive = false;
    return new FlotillaError('OVERLOADED', { retryAfterSeconds: 1 });
  };
}
