import { clientApiKey, LoadClients } from './load-clients.js';
import { type LoadFigures, LoadTally } from './load-tally.js';
import { type PlannedRequest, TrafficMix } from './traffic-mix.js';

export type { LoadFigures } from './load-tally.js';

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
  /** Also report the run in windows of this many seconds (`LoadSummary.windows`). */
  readonly windowS?: number;
  /**
   * When the first request is due, as `performance.now()`; now by default. A run can so take over
   * from another at the instant its schedule ends, without waiting for that one's last answers.
   */
  readonly startAt?: number;
  /** The traffic of an earlier run to carry on (its users and orders); a new one by default. */
  readonly mix?: TrafficMix;
  /** Each 2xx answer, its JSON body parsed. */
  readonly onAnswer?: (answer: LoadAnswer) => void;
}

export interface LoadAnswer {
  readonly operation: PlannedRequest['operation'];
  readonly status: number;
  readonly body: unknown;
}

export interface LoadProgress {
  readonly elapsedS: number;
  readonly sent: number;
  readonly errors: number;
}

export interface LoadSummary extends LoadFigures {
  readonly elapsedS: number;
  /** Answers per second over the run (the arrival rate actually achieved). */
  readonly achievedRate: number;
  /** How many clients, and whether each from a source address of its own (a loopback gateway). */
  readonly clients: { readonly count: number; readonly distinctAddresses: boolean };
  readonly byOperation: Readonly<Record<string, number>>;
  /** With `windowS`: the requests due in each window, in order, whenever they were answered. */
  readonly windows?: readonly LoadWindow[];
}

export interface LoadWindow extends LoadFigures {
  /** Seconds from the run's start to the window's. */
  readonly startS: number;
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
 * generator slowing down: no coordinated omission). A request counts in the window it was due in.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const clientCount = options.clients ?? defaultClients(options.rate);
  const clients = new LoadClients({ gateway: options.gateway, clients: clientCount });
  const mix = options.mix ?? new TrafficMix();
  const whole = new LoadTally();
  const windows: LoadTally[] = [];
  const byOperation: Record<string, number> = {};
  const total = Math.max(1, Math.round(options.rate * options.durationS));
  const intervalMs = 1000 / options.rate;
  const maxInFlight = options.maxInFlight ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();

  const windowOf = (index: number, windowS: number) => {
    const at = Math.floor((index * intervalMs) / (windowS * 1000));
    windows[at] ??= new LoadTally();
    return windows[at];
  };

  const fire = (index: number, dueAt: number) => {
    const tallies = options.windowS ? [whole, windowOf(index, options.windowS)] : [whole];
    const each = (count: (tally: LoadTally) => void) => {
      for (const tally of tallies) count(tally);
    };
    if (inFlight >= maxInFlight) return each((tally) => tally.error('overload'));
    const planned = mix.next();
    byOperation[planned.operation] = (byOperation[planned.operation] ?? 0) + 1;
    each((tally) => tally.sent++);
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
        const { statusCode: status } = response;
        const latencyMs = performance.now() - dueAt;
        each((tally) => tally.answered(status, latencyMs, response.headers['retry-after'] !== undefined));
        if (status >= 400) return;
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          return each((tally) => tally.error('bad-json'));
        }
        mix.record(planned, status, body);
        options.onAnswer?.({ operation: planned.operation, status, body });
      })
      .catch((error: { code?: string; name?: string }) =>
        each((tally) => tally.error(error.code ?? error.name ?? 'error')),
      )
      .finally(() => {
        inFlight--;
        pending.delete(done);
      });
    pending.add(done);
  };

  const start = options.startAt ?? performance.now();
  const progress = options.onTick
    ? setInterval(
        () =>
          options.onTick?.({
            elapsedS: (performance.now() - start) / 1000,
            sent: whole.sent,
            errors: whole.failed,
          }),
        200,
      )
    : undefined;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Everything due by now goes out, even if a timer fired late.
      while (next < total && start + next * intervalMs <= now && !options.signal?.aborted) {
        fire(next, start + next * intervalMs);
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
  const figures = whole.figures();
  const windowS = options.windowS;
  return {
    ...figures,
    elapsedS,
    achievedRate: figures.completed / elapsedS,
    clients: { count: clientCount, distinctAddresses: clients.distinctAddresses },
    byOperation,
    ...(windowS
      ? {
          windows: Array.from({ length: Math.ceil(options.durationS / windowS) }, (_, index) => ({
            startS: index * windowS,
            ...(windows[index] ?? new LoadTally()).figures(),
          })),
        }
      : {}),
  };
}
