import { type Attributes, trace } from '@opentelemetry/api';
import {
  extractTraceContext,
  SpanKind,
  SpanStatusCode,
  type Tracing,
  traceparentOf,
} from '../telemetry/index.js';
import type { CloudEvent } from './cloud-event.js';
import type { PublishOutcome } from './transports/event-transport.js';

/** OpenTelemetry messaging attributes of a span about one event. */
export function messagingAttributes(
  operation: 'create' | 'publish' | 'process',
  event: { readonly type: string; readonly id?: string },
): Attributes {
  return {
    'messaging.system': 'flotilla',
    'messaging.operation.type': operation,
    'messaging.destination.name': event.type,
    ...(event.id === undefined ? {} : { 'messaging.message.id': event.id }),
  };
}

/**
 * A PRODUCER span for one event's trip to the transport, child of the span that wrote it. The event
 * goes out carrying this span's traceparent, so the consumer's span is the publish's child.
 */
export function publishSpan(tracing: Tracing | undefined, event: CloudEvent) {
  if (!tracing) return undefined;
  const parent = extractTraceContext({ traceparent: event.traceparent });
  const span = tracing.tracer.startSpan(
    `${event.type} publish`,
    { kind: SpanKind.PRODUCER, attributes: messagingAttributes('publish', event) },
    parent,
  );
  const traceparent = traceparentOf(trace.setSpan(parent, span));
  return {
    event: traceparent ? { ...event, traceparent } : event,
    end(outcome: PublishOutcome | undefined) {
      if (!outcome?.ok) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: outcome?.ok === false ? outcome.error : 'not published',
        });
      }
      span.end();
    },
  };
}

/** Runs `handle` in a CONSUMER span continuing the trace the event carries, when tracing. */
export function consumerSpan<T extends string>(
  tracing: Tracing | undefined,
  operation: 'process' | 'redrive',
  subscriptionName: string,
  event: CloudEvent,
  handle: () => Promise<T>,
): Promise<T> {
  if (!tracing) return handle();
  return tracing.withSpan(
    `${event.type} ${operation}`,
    {
      kind: SpanKind.CONSUMER,
      parent: extractTraceContext({ traceparent: event.traceparent }),
      attributes: {
        ...messagingAttributes('process', event),
        'messaging.consumer.group.name': subscriptionName,
      },
    },
    async (span) => {
      const outcome = await handle();
      span.setAttribute('flotilla.event.outcome', outcome);
      return outcome;
    },
  );
}
