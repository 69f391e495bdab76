import type { Tracing } from '../telemetry/index.js';
import type { CloudEvent } from './cloud-event.js';
import { publishSpan } from './event-spans.js';
import type { EventTransport, PublishOutcome } from './transports/event-transport.js';

/**
 * Publishes the relay's events, each in its PRODUCER span, and answers one outcome per event. A
 * transport that throws has taken none of them.
 */
export async function publishBatch(
  events: readonly CloudEvent[],
  options: { readonly transport: EventTransport; readonly tracing?: Tracing | undefined },
): Promise<PublishOutcome[]> {
  const spans = events.map((event) => publishSpan(options.tracing, event));
  let outcomes: PublishOutcome[];
  try {
    outcomes = await options.transport.publish(events.map((event, index) => spans[index]?.event ?? event));
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    outcomes = events.map(() => ({ ok: false, error: message }));
  }
  const settled = events.map(
    (_event, index) => outcomes[index] ?? { ok: false as const, error: 'transport returned no outcome' },
  );
  for (const [index, span] of spans.entries()) span?.end(settled[index]);
  return settled;
}
