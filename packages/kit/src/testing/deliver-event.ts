import type { CloudEvent, DeliveryOutcome, EventData, EventDefinition } from '../events/index.js';
import { cloudEvent } from '../events/publish-event.js';
import type { RunningService } from '../service/index.js';

/** How `deliverEvent` makes and hands over the event. */
export interface DeliverEventOptions {
  /** Ordering key, carried as the CloudEvents `subject`, as the publisher would set it. */
  readonly key?: string;
  /** The event's id; give an earlier event's id to deliver that event again (a redelivery). */
  readonly id?: string;
  /** How often the transport has delivered it, this time included: past the limit it is dead-lettered. */
  readonly deliveryCount?: number;
  /** The event's `time` (ISO 8601), for handlers that order events by it; now by default. */
  readonly time?: string;
}

/** What `deliverEvent` delivered, and what became of it. */
export interface DeliveredEvent<T = unknown> {
  /** The event as delivered, id included: deliver it again with that id to test a redelivery. */
  readonly event: CloudEvent<T>;
  /** One per subscription of the service that the event matched, in subscription order. */
  readonly outcomes: readonly DeliveryOutcome[];
}

/**
 * Delivers an event of another service's contract to this service's subscriptions, through the
 * same dispatcher and inbox as a transport's deliveries: the handlers run in their transactions,
 * a redelivered id is a `duplicate`, a handler failing every attempt (or data off the schema) is
 * `dead_lettered`. Resolves once every matching subscription committed or dead-lettered. The data
 * is not checked first, so a test can show what an invalid event does.
 *
 * @example
 * const { outcomes, event } = await deliverEvent(service, UserRegistered, { id: 'u1', email: 'a@b.c' }, { key: 'u1' });
 * expect(outcomes).toEqual(['processed']);
 * expect((await deliverEvent(service, UserRegistered, event.data, { id: event.id })).outcomes).toEqual(['duplicate']);
 */
export async function deliverEvent<D extends EventDefinition>(
  service: Pick<RunningService, 'dispatcher'>,
  definition: D,
  data: EventData<D>,
  options: DeliverEventOptions = {},
): Promise<DeliveredEvent<EventData<D>>> {
  const event = cloudEvent(definition, data, {
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.time === undefined ? {} : { time: options.time }),
  });
  const outcomes = await service.dispatcher.deliver({
    body: JSON.stringify(event),
    deliveryCount: options.deliveryCount ?? 1,
    headers: {},
  });
  return { event, outcomes };
}
