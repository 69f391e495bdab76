import { newId } from '../db/index.js';
import { schemaCheck, schemaErrors } from '../http/schema-check.js';
import { type CloudEvent, parseCloudEvent } from './cloud-event.js';
import type { Subscription } from './subscription.js';
import type { Delivery } from './transports/event-transport.js';
import { matchesSubscription } from './type-pattern.js';

/** A body that is not a valid CloudEvent belongs to no subscription; it is kept under this name. */
const UNPARSEABLE = '(unparseable)';

/** One event for one matching subscription. */
export interface Work {
  /** Position of its delivery in the batch. */
  readonly index: number;
  readonly target: Subscription;
  readonly event: CloudEvent;
  readonly delivery: Delivery;
  /** The attempt to make next; after a failed first attempt in a batch it is 2. */
  readonly firstAttempt: number;
  /** Why the attempt before `firstAttempt` failed. */
  readonly failure?: { readonly error: unknown };
}

/** A delivery dead-lettered on arrival: not a CloudEvent, or data the subscription's schema rejects. */
export interface Rejected {
  readonly index: number;
  readonly subscription: string;
  readonly eventId: string;
  /** Absent when the body was no CloudEvent. */
  readonly work?: Work;
  readonly delivery: Delivery;
  readonly error: string;
}

export interface DeliveryPlan {
  readonly rejected: Rejected[];
  /** Handled together in one transaction. */
  readonly batch: Work[];
  /** Handled one by one, each key in order, with retries. */
  readonly alone: Work[];
}

/**
 * Sorts a batch of deliveries: each matching subscription's work goes to the shared transaction,
 * unless the message was redelivered too often (or sits behind such a message of its key), then
 * it is handled alone.
 */
export function planDeliveries(
  deliveries: readonly Delivery[],
  subscriptions: readonly Subscription[],
  maxDeliveries: number,
): DeliveryPlan {
  const plan: DeliveryPlan = { rejected: [], batch: [], alone: [] };
  const aloneKeys = new Set<string>();
  for (const [index, delivery] of deliveries.entries()) {
    const parsed = parseCloudEvent(delivery.body);
    if ('error' in parsed) {
      const eventId = idOf(delivery.body) ?? newId();
      const error = `invalid CloudEvent: ${parsed.error}`;
      plan.rejected.push({ index, subscription: UNPARSEABLE, eventId, delivery, error });
      continue;
    }
    const { event } = parsed;
    for (const target of subscriptions) {
      if (!matchesSubscription(target.from, target.patterns, event)) continue;
      const work: Work = { index, target, event, delivery, firstAttempt: 1 };
      const invalid = invalidData(target, event);
      if (invalid) {
        plan.rejected.push({
          index,
          subscription: target.name,
          eventId: event.id,
          work,
          delivery,
          error: invalid,
        });
        continue;
      }
      const key = orderKey(work);
      if (delivery.deliveryCount > maxDeliveries || (key && aloneKeys.has(key))) {
        if (key) aloneKeys.add(key);
        plan.alone.push(work);
      } else plan.batch.push(work);
    }
  }
  return plan;
}

/**
 * Takes the work that failed at `at` out of a batch, with its key's later work: they leave for the
 * one-by-one path (the failed one at its second attempt), and the rest is tried again without them.
 */
export function withoutFailed(
  batch: readonly Work[],
  at: number,
  error: unknown,
): { rest: Work[]; alone: Work[] } {
  const failed = batch[at]!;
  const key = orderKey(failed);
  const leaving = batch.filter(
    (other, position) => position === at || (key && position > at && orderKey(other) === key),
  );
  return {
    rest: batch.filter((other) => !leaving.includes(other)),
    alone: leaving.map((other) =>
      other === failed ? { ...other, firstAttempt: 2, failure: { error } } : other,
    ),
  };
}

/** Why the event's data breaks the subscription's schema for its type, if it does. */
export function invalidData(target: Subscription, event: CloudEvent): string | undefined {
  const definition = target.definitions.get(event.type);
  const invalid = definition ? schemaErrors(schemaCheck(definition.schema), event.data) : undefined;
  return invalid ? `invalid data: ${invalid}` : undefined;
}

/** Events of one subscription with one key are handled in order; keyless ones in any order. */
export function orderKey(work: Work): string | undefined {
  return work.event.subject === undefined ? undefined : `${work.target.name}\n${work.event.subject}`;
}

function idOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' && id !== '' ? id.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
