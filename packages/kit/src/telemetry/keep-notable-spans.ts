import type { Context } from '@opentelemetry/api';
import { SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Which spans of unsampled traces are worth exporting all the same. */
export interface NotableSpanOptions {
  /** A span lasting at least this long is kept. */
  readonly slowMs: number;
}

/**
 * Passes sampled spans on to `next` as they are, and of the recorded but unsampled ones (the entry
 * spans, see `BudgetSampler`) those that failed or took at least `slowMs`, marked sampled so that
 * `next` exports them. A slow request is slow in every process it crossed, so each keeps its
 * entry span, and its trace arrives as that chain.
 */
export function keepNotableSpans(next: SpanProcessor, options: NotableSpanOptions): SpanProcessor {
  const slowNanos = options.slowMs * 1e6;
  return {
    onStart: (span: Span, parentContext: Context) => next.onStart(span, parentContext),
    onEnd(span: ReadableSpan) {
      const context = span.spanContext();
      if ((context.traceFlags & TraceFlags.SAMPLED) !== 0) return next.onEnd(span);
      const [seconds, nanos] = span.duration;
      if (span.status.code !== SpanStatusCode.ERROR && seconds * 1e9 + nanos < slowNanos) return;
      const sampled = { ...context, traceFlags: context.traceFlags | TraceFlags.SAMPLED };
      // A view of the span that differs only in its flags: the span itself is ended and read-only.
      next.onEnd(Object.create(span, { spanContext: { value: () => sampled } }) as ReadableSpan);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}
