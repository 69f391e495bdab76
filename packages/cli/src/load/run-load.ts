import { createHistogram } from 'node:perf_hooks';
import { clientApiKey, LoadClients } from './load-clients.js';
import { TrafficMix } from './traffic-mix.js';

export interface LoadOptions {
  readonly gateway: string;
  readonly rate: number;
  readonly durationS: number;
  /**
   * Simulated clients the requests are spread over at random; by default one per req/s of `rate`,
   * so each sends about one request a second, a person's pace.
   */
  readonly clients?: number;
  /** Requests still waiting beyond this many are not sent and count as `overload` errors. */
  readonly maxInFlight?: number;
  readonly timeoutMs?: number;
  readonly onTick?: (progress: LoadProgress) => void;
  readonly signal?: AbortSignal;
}

export interface LoadProgress {
  readonly elapsedS: number;
  readonly sent: number;
  readonly errors: number;
}

export interface LoadSummary {
  readonly sent: number;
  readonly completed: number;
  readonly elapsedS: number;
  /** Answers per second over the run (the arrival rate actually achieved). */
  readonly achievedRate: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
  /** How many clients, and whether each from a source address of its own (a loopback gateway). */
  readonly clients: { readonly count: number; readonly distinctAddresses: boolean };
  /** 429 answers: the gateway's rate limit at work, not a failure. */
  readonly rateLimited: number;
  /** status code (or error code) → count, for every other non-2xx answer and failed request. */
  readonly errors: Readonly<Record<string, number>>;
  readonly byOperation: Readonly<Record<string, number>>;
}

/** One client per req/s of `rate`: each sends about one request a second. */
export function defaultClients(rate: number): number {
  return Math.max(1, Math.round(rate));
}

/** Every non-2xx answer and failed request but the 429s. */
export function errorCount(summary: Pick<LoadSummary, 'errors'>): number {
  return Object.values(summary.errors).reduce((sum, count) => sum + count, 0);
}

/**
 * Open-model load: request i is due at start + i/rate whether or not earlier ones have answered,
 * and its latency counts from when it was due (so a stalled server is not flattered by the load
 * generator slowing down: no coordinated omission). Latencies go into node's HDR histogram, every
 * answer's, 429s included.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const clientCount = options.clients ?? defaultClients(options.rate);
  const clients = new LoadClients({ gateway: options.gateway, clients: clientCount });
  const histogram = createHistogram({ lowest: 1, highest: 3_600_000_000_000, figures: 3 });
  const mix = new TrafficMix();
  const errors: Record<string, number> = {};
  const byOperation: Record<string, number> = {};
  const total = Math.max(1, Math.round(options.rate * options.durationS));
  const intervalMs = 1000 / options.rate;
  const maxInFlight = options.maxInFlight ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let sent = 0;
  let completed = 0;
  let failed = 0;
  let rateLimited = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const count = (key: string) => {
    errors[key] = (errors[key] ?? 0) + 1;
    failed++;
  };

  const fire = (dueAt: number) => {
    if (inFlight >= maxInFlight) return count('overload');
    const planned = mix.next();
    byOperation[planned.operation] = (byOperation[planned.operation] ?? 0) + 1;
    sent++;
    inFlight++;
    const client = clients.pick();
    const done = clients
      .connection(client)
      .request({
        method: planned.method,
        path: planned.path,
        headers: { ...planned.headers, 'x-api-key': clientApiKey(client) },
        body: planned.body ?? null,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      .then(async (response) => {
        const text = await response.body.text();
        histogram.record(Math.max(1, Math.round((performance.now() - dueAt) * 1e6)));
        completed++;
        if (response.statusCode === 429) {
          rateLimited++;
          return;
        }
        if (response.statusCode >= 400) return count(String(response.statusCode));
        try {
          mix.record(planned, response.statusCode, text ? JSON.parse(text) : undefined);
        } catch {
          count('bad-json');
        }
      })
      .catch((error: { code?: string; name?: string }) => count(error.code ?? error.name ?? 'error'))
      .finally(() => {
        inFlight--;
        pending.delete(done);
      });
    pending.add(done);
  };

  const start = performance.now();
  const progress = options.onTick
    ? setInterval(
        () => options.onTick?.({ elapsedS: (performance.now() - start) / 1000, sent, errors: failed }),
        200,
      )
    : undefined;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Everything due by now goes out, even if a timer fired late.
      while (next < total && start + next * intervalMs <= now && !options.signal?.aborted) {
        fire(start + next * intervalMs);
        next++;
      }
      if (next >= total || options.signal?.aborted) return resolve();
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  clearInterval(progress);
  const elapsedS = (performance.now() - start) / 1000;
  await clients.close();
  const ms = (percentile: number) => (completed === 0 ? 0 : histogram.percentile(percentile) / 1e6);
  return {
    sent,
    completed,
    elapsedS,
    achievedRate: completed / elapsedS,
    latencyMs: { p50: ms(50), p95: ms(95), p99: ms(99), max: completed === 0 ? 0 : histogram.max / 1e6 },
    clients: { count: clientCount, distinctAddresses: clients.distinctAddresses },
    rateLimited,
    errors,
    byOperation,
  };
}
