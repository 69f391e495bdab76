import { createHistogram } from 'node:perf_hooks';

/** What a set of requests came to: counts, latencies, 429s, errors and which answers said when to retry. */
export interface LoadFigures {
  readonly sent: number;
  readonly completed: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
  /** 429 answers: the gateway's rate limit at work, not a failure. */
  readonly rateLimited: number;
  /** status code (or error code) → count, for every other non-2xx answer and failed request. */
  readonly errors: Readonly<Record<string, number>>;
  /** status code → how many of its non-2xx answers (429s included) carried `Retry-After`. */
  readonly retryAfter: Readonly<Record<string, number>>;
}

/**
 * Counts requests and their answers as they come. Latencies go into node's HDR histogram, every
 * answer's, 429s included.
 */
export class LoadTally {
  sent = 0;
  completed = 0;
  /** Failed requests and non-2xx answers, 429s aside. */
  failed = 0;
  #rateLimited = 0;
  readonly #errors: Record<string, number> = {};
  readonly #retryAfter: Record<string, number> = {};
  readonly #histogram = createHistogram({ lowest: 1, highest: 3_600_000_000_000, figures: 3 });

  /** An answer with `status`, `latencyMs` after it was due. */
  answered(status: number, latencyMs: number, hasRetryAfter: boolean): void {
    this.#histogram.record(Math.max(1, Math.round(latencyMs * 1e6)));
    this.completed++;
    if (status >= 400 && hasRetryAfter) this.#retryAfter[status] = (this.#retryAfter[status] ?? 0) + 1;
    if (status === 429) this.#rateLimited++;
    else if (status >= 400) this.error(String(status));
  }

  /** A request that got no usable answer (or a non-2xx one), by status or error code. */
  error(key: string): void {
    this.#errors[key] = (this.#errors[key] ?? 0) + 1;
    this.failed++;
  }

  figures(): LoadFigures {
    const ms = (percentile: number) =>
      this.completed === 0 ? 0 : this.#histogram.percentile(percentile) / 1e6;
    return {
      sent: this.sent,
      completed: this.completed,
      latencyMs: {
        p50: ms(50),
        p95: ms(95),
        p99: ms(99),
        max: this.completed === 0 ? 0 : this.#histogram.max / 1e6,
      },
      rateLimited: this.#rateLimited,
      errors: { ...this.#errors },
      retryAfter: { ...this.#retryAfter },
    };
  }
}
