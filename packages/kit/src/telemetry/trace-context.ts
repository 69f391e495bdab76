import {
  type Context,
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C Trace Context (`traceparent` + `tracestate`) for HTTP headers and for any flat carrier, such
 * as a CloudEvent's distributed-tracing extension attributes or a broker message's headers.
 */
export type TraceCarrier = Record<string, unknown>;

const propagator = new W3CTraceContextPropagator();

const getter: TextMapGetter<TraceCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key] ?? carrier[key.toLowerCase()];
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
    // Broker headers (amqplib) may arrive as bytes.
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    return undefined;
  },
};

const setter: TextMapSetter<TraceCarrier> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

/** Writes the active (or given) span's `traceparent`/`tracestate` into `carrier`; nothing without a span. */
export function injectTraceContext<C extends TraceCarrier>(carrier: C, from: Context = context.active()): C {
  propagator.inject(from, carrier, setter);
  return carrier;
}

/**
 * The context a carrier's `traceparent` continues. A missing, malformed or all-zero one yields the
 * root context, so the next span starts a new trace; it never throws.
 */
export function extractTraceContext(carrier: TraceCarrier | undefined): Context {
  if (!carrier) return ROOT_CONTEXT;
  try {
    const extracted = propagator.extract(ROOT_CONTEXT, carrier, getter);
    const spanContext = trace.getSpanContext(extracted);
    return spanContext && isSpanContextValid(spanContext) ? extracted : ROOT_CONTEXT;
  } catch {
    return ROOT_CONTEXT;
  }
}

/** The active (or given) span's `traceparent`, e.g. to store with an outbox row; undefined without one. */
export function traceparentOf(from: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  injectTraceContext(carrier, from);
  return carrier.traceparent;
}

/** The ids of the active span. */
export interface TraceIds {
  /** 32 hex digits. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
}

/** Ids of the active span, or undefined outside one. */
export function currentTraceIds(): TraceIds | undefined {
  const spanContext = trace.getSpanContext(context.active());
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/** Pino `mixin`: every log line written inside a span carries its trace_id and span_id. */
export function traceLogFields(): Record<string, string> {
  const ids = currentTraceIds();
  return ids ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}
