import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { isSpanContextValid, TraceFlags, trace } from '@opentelemetry/api';
import { type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/** How many new traces a process starts recording for export each second. */
export interface BudgetSamplerOptions {
  /** Traces per second this process may start sampled; 0: none but the notable. */
  readonly tracesPerSecond: number;
  /** Milliseconds now; injectable for tests. */
  readonly now?: () => number;
}

/**
 * Samples a budget of new traces per second (a token bucket holding one second's worth), and
 * follows the parent's decision otherwise. A trace it does not sample is still recorded, not
 * dropped: `keepNotableSpans` exports its failed and slow spans, so a developer finds every error
 * and slow request while a busy system exports a bounded share of the rest. Head-based on purpose:
 * deciding at the tail would need every span of every trace exported first, which is the cost this
 * avoids (see docs/adr/0006).
 */
export class BudgetSampler implements Sampler {
  readonly #perSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;

  constructor(options: BudgetSamplerOptions) {
    this.#perSecond = options.tracesPerSecond;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.tracesPerSecond;
    this.#refilledAt = this.#now();
  }

  shouldSample(
    context: Context,
    _traceId: string,
    _name: string,
    _kind: SpanKind,
    _attributes: Attributes,
    _links: Link[],
  ): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent !== undefined && isSpanContextValid(parent)) {
      return (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? SAMPLED : RECORDED;
    }
    return this.#take() ? SAMPLED : RECORDED;
  }

  toString(): string {
    return `BudgetSampler{${this.#perSecond}/s}`;
  }

  #take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(
      this.#perSecond,
      this.#tokens + ((now - this.#refilledAt) / 1000) * this.#perSecond,
    );
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

const SAMPLED: SamplingResult = { decision: SamplingDecision.RECORD_AND_SAMPLED };
const RECORDED: SamplingResult = { decision: SamplingDecision.RECORD };
