import type { EventLineage } from '@flotilla/kit/events';
import { matchesType } from '@flotilla/kit/events';

/** One service's part of a lineage, or why it is missing. */
export type ServiceLineage =
  | { readonly service: string; readonly lineage: EventLineage }
  | { readonly service: string; readonly error: string };

/** What the lineage view shows: the event's type, its publishers and consumers, every service's part. */
export interface EventLineageView {
  readonly query: { readonly id: string } | { readonly type: string };
  /** The event's type, when some table knows it. */
  readonly type: string | null;
  /** The CloudEvents `source` the event came from, when its outbox row is found (`/orders`). */
  readonly source: string | null;
  /** The trace the event belongs to. */
  readonly traceId: string | null;
  /** Services whose outbox holds the event or events of the type. */
  readonly publishers: readonly string[];
  /** Subscriptions (of any service) that match the type and, when known, the source. */
  readonly consumers: readonly { readonly service: string; readonly subscription: string }[];
  readonly services: readonly ServiceLineage[];
}

/** Merges the services' answers; consumers come from their subscriptions, not from what was delivered. */
export function mergeLineage(
  query: { readonly id: string } | { readonly type: string },
  services: readonly ServiceLineage[],
): EventLineageView {
  const found = services.flatMap((entry) => ('lineage' in entry ? [entry.lineage] : []));
  const outbox = found.flatMap((lineage) => lineage.outbox);
  const deadLetters = found.flatMap((lineage) => lineage.deadLetters);
  const type =
    'type' in query
      ? query.type
      : (outbox[0]?.type ?? deadLetters.find((letter) => letter.eventType)?.eventType ?? null);
  const source = outbox[0]?.source ?? null;
  const traceparent = outbox[0]?.traceparent ?? deadLetters.find((letter) => letter.traceparent)?.traceparent;
  const consumers = type
    ? found.flatMap((lineage) =>
        lineage.subscriptions
          .filter(
            (entry) =>
              (source === null || source === `/${entry.from}`) &&
              entry.patterns.some((pattern) => matchesType(pattern, type)),
          )
          .map((entry) => ({ service: lineage.service, subscription: entry.name })),
      )
    : [];
  return {
    query,
    type,
    source,
    traceId: traceparent?.split('-')[1] ?? null,
    publishers: found.filter((lineage) => lineage.outbox.length > 0).map((lineage) => lineage.service),
    consumers,
    services,
  };
}
