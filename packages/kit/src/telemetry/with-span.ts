import {
  type Attributes,
  type Context,
  context,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/** How a span is made. */
export interface SpanOptions {
  /** Its kind; internal by default. */
  readonly kind?: SpanKind;
  /** Its attributes at start. */
  readonly attributes?: Attributes;
  /** The parent context; the active one by default (e.g. one extracted from an event's traceparent). */
  readonly parent?: Context;
  /** Related spans that are not the parent, e.g. the producers of a batch. */
  readonly links?: readonly Link[];
}

/**
 * Runs `fn` inside a new active span and ends it when `fn` settles. A throw records the exception,
 * sets the span's status to error and is rethrown unchanged.
 */
export async function withSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links ? { links: [...options.links] } : {}),
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Records `error` on `span` and marks the span as failed. */
export function markFailed(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
