import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-error.js';
import { errorCount, type LoadSummary, runLoad } from './run-load.js';

/** When a step no longer holds. */
export interface KneeLimits {
  /** p99 latency, in ms, above which a step breaks. */
  readonly p99Ms: number;
  /** Share of requests failing (429s aside) above which a step breaks. */
  readonly maxErrorRatio: number;
  /** Share of the target rate that must be achieved. */
  readonly minAchievedRatio: number;
}

export const DEFAULT_KNEE_LIMITS: KneeLimits = { p99Ms: 50, maxErrorRatio: 0.001, minAchievedRatio: 0.95 };

/** What broke a step at `rate` (every limit exceeded, joined), or undefined when it held. */
export function whatBroke(summary: LoadSummary, rate: number, limits: KneeLimits): string | undefined {
  const broken: string[] = [];
  const { p99 } = summary.latencyMs;
  if (p99 > limits.p99Ms) broken.push(`p99 ${p99.toFixed(1)} ms > ${limits.p99Ms} ms`);
  const errors = errorCount(summary);
  if (errors > limits.maxErrorRatio * Math.max(1, summary.sent)) {
    broken.push(
      `errors ${((errors / Math.max(1, summary.sent)) * 100).toFixed(2)}% > ${limits.maxErrorRatio * 100}%`,
    );
  }
  if (summary.achievedRate < limits.minAchievedRatio * rate) {
    broken.push(
      `achieved ${summary.achievedRate.toFixed(1)} req/s < ${limits.minAchievedRatio * 100}% of ${rate}`,
    );
  }
  return broken.length > 0 ? broken.join(', ') : undefined;
}

/** The rate after `rate`: `step` req/s more when given, else `factor` times, always at least 1 more. */
export function nextRate(rate: number, growth: { factor: number; step?: number | undefined }): number {
  const next = growth.step !== undefined ? rate + growth.step : rate * growth.factor;
  return Math.max(Math.round(next), Math.floor(rate) + 1);
}

export interface KneeStep {
  readonly rate: number;
  readonly summary: LoadSummary;
  /** What broke at this rate; undefined when it held. */
  readonly broke: string | undefined;
}

export interface KneeResult {
  /** The last rate that held; undefined when the first step broke already. */
  readonly knee: number | undefined;
  /** The step that broke; undefined when the run stopped first (`maxRate`, or interrupted). */
  readonly broken: KneeStep | undefined;
  readonly steps: readonly KneeStep[];
}

export interface FindKneeOptions extends Partial<KneeLimits> {
  readonly gateway: string;
  /** The first step's rate, in req/s. */
  readonly startRate: number;
  /** Seconds per step. */
  readonly durationS: number;
  /** Each step's rate is the last one's times this (default 1.25)… */
  readonly factor?: number;
  /** …or plus this many req/s, when given. */
  readonly step?: number;
  /** No step above this rate. */
  readonly maxRate?: number;
  /** Clients per step; by default one per req/s of the step's rate (see `runLoad`). */
  readonly clients?: number;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: KneeStep) => void;
  /** One step's load; `runLoad` against the gateway unless given (tests inject it). */
  readonly measure?: (rate: number) => Promise<LoadSummary>;
  /** Before each step; by default until the gateway answers `/health/ready`. */
  readonly settle?: () => Promise<void>;
}

/**
 * Steps the open-model rate up until a step breaks a limit of `KneeLimits`: the knee is the last
 * rate that held. Before each step the gateway is back to ready, so that a step starts on a system
 * that is not still working off the previous one's queue.
 */
export async function findKnee(options: FindKneeOptions): Promise<KneeResult> {
  const limits: KneeLimits = {
    p99Ms: options.p99Ms ?? DEFAULT_KNEE_LIMITS.p99Ms,
    maxErrorRatio: options.maxErrorRatio ?? DEFAULT_KNEE_LIMITS.maxErrorRatio,
    minAchievedRatio: options.minAchievedRatio ?? DEFAULT_KNEE_LIMITS.minAchievedRatio,
  };
  const measure =
    options.measure ??
    ((rate: number) =>
      runLoad({
        gateway: options.gateway,
        rate,
        durationS: options.durationS,
        ...(options.clients !== undefined ? { clients: options.clients } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      }));
  const settle = options.settle ?? (() => gatewayReady(options.gateway));
  const steps: KneeStep[] = [];
  let knee: number | undefined;
  for (
    let rate = options.startRate;
    rate <= (options.maxRate ?? Number.POSITIVE_INFINITY) && !options.signal?.aborted;
    rate = nextRate(rate, { factor: options.factor ?? 1.25, step: options.step })
  ) {
    await settle();
    const summary = await measure(rate);
    if (options.signal?.aborted) break;
    const step: KneeStep = { rate, summary, broke: whatBroke(summary, rate, limits) };
    steps.push(step);
    options.onStep?.(step);
    if (step.broke !== undefined) return { knee, broken: step, steps };
    knee = rate;
  }
  return { knee, broken: undefined, steps };
}

/** Resolves once the gateway answers `/health/ready` with a 2xx. */
async function gatewayReady(gateway: string, timeoutMs = 30_000): Promise<void> {
  const url = new URL('/health/ready', gateway);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline)
      throw new CliError(`the gateway at ${url} was not ready within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}
