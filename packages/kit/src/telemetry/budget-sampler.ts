import type { Attributes, Context, Link } from '@opentelemetry/api';
import { isSpanContextValid, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/** How many new traces a process starts recording for export each second. */
export interface BudgetSamplerOptions {
  /** Traces per second this process may start sampled; 0: none but the notable. */
  readonly tracesPerSecond: number;
  /**
   * Whether the entry spans of unsampled traces are recorded (true by default). A proxy, whose own
   * work per request is a few tens of µs, spends as much again recording one: it records none.
   */
  readonly entrySpans?: boolean;
  /** Milliseconds now; injectable for tests. */
  readonly now?: () => number;
}

/**
 * Samples a budget of new traces per second (a token bucket holding one second's worth), and
 * follows the parent's decision otherwise. Of a trace it does not sample, only the entry spans
 * (SERVER and CONSUMER: a process's part of a request or event) are recorded, not dropped:
 * `keepNotableSpans` exports those that failed or were slow, so a developer finds every failed or
 * slow request as the chain of its entry spans. The spans inside them (queries, calls) are not
 * recorded at all: recording them cost as much as exporting everything (docs/adr/0006).
 * Head-based on purpose: deciding at the tail would need every span of every trace exported
 * first, which is the cost this avoids.
 */
export class BudgetSampler implements Sampler {
  readonly #perSecond: number;
  readonly #entrySpans: boolean;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;

  constructor(options: BudgetSamplerOptions) {
    this.#perSecond = options.tracesPerSecond;
    this.#entrySpans = options.entrySpans ?? true;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.tracesPerSecond;
    this.#refilledAt = this.#now();
  }

  shouldSample(
    context: Context,
    _traceId: string,
    _name: string,
    kind: SpanKind,
    _attributes: Attributes,
    _links: Link[],
  ): SamplingResult {
    const parent = trace.getSpanContext(context);
    const sampled =
      parent !== undefined && isSpanContextValid(parent)
        ? (parent.traceFlags & TraceFlags.SAMPLED) !== 0
        : this.#take();
    if (sampled) return SAMPLED;
    return this.#entrySpans && (kind === SpanKind.SERVER || kind === SpanKind.CONSUMER) ? RECORDED : DROPPED;
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
const DROPPED: SamplingResult = { decision: SamplingDecision.NOT_RECORD };
