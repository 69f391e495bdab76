import { randomBytes } from 'node:crypto';
import { until } from '../../support/until.js';

/** A span as the control plane's trace API returns it. */
export interface Span {
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly serviceName: string;
  readonly name: string;
  readonly kind: string;
}

/** A sampled W3C traceparent that starts `traceId` at the caller. */
export const newTraceparent = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;

/**
 * The spans of `traceId` in the control plane's store, once `complete` holds for them: spans arrive
 * in the exporters' batches, not all at once.
 */
export async function traceSpans(
  controlPlaneUrl: string,
  traceId: string,
  complete: (spans: Span[]) => boolean,
): Promise<Span[]> {
  return until(`trace ${traceId} complete`, async () => {
    const response = await fetch(`${controlPlaneUrl}/api/traces/${traceId}`);
    if (response.status !== 200) return false;
    const { spans } = (await response.json()) as { spans: Span[] };
    return complete(spans) && spans;
  });
}

/**
 * The calls `service` made while answering the request of `traceId`: its client spans, once its
 * server span is in. A call's span ends before the answer's, so it is exported with it or before.
 */
export async function callsMadeBy(
  controlPlaneUrl: string,
  traceId: string,
  service: string,
): Promise<Span[]> {
  const spans = await traceSpans(controlPlaneUrl, traceId, (list) =>
    list.some((span) => span.serviceName === service && span.kind === 'server'),
  );
  return spans.filter((span) => span.serviceName === service && span.kind === 'client');
}

/** The services of a span's ancestors, nearest first. */
export function ancestry(spans: readonly Span[], span: Span): string[] {
  const parent = spans.find((candidate) => candidate.spanId === span.parentSpanId);
  return parent ? [parent.serviceName, ...ancestry(spans, parent)] : [];
}
