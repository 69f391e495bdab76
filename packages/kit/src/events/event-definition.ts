import type { Static, TSchema } from '@sinclair/typebox';

/**
 * One event type as its publisher's contract declares it: who publishes it, its CloudEvents
 * `type`, and the JSON Schema of its `data`. Publishers and consumers share the same object.
 */
export interface EventDefinition<T extends TSchema = TSchema> {
  /** The publishing service's name; becomes the CloudEvents `source` (`/<service>`). */
  readonly source: string;
  /** Reverse-DNS-free dotted name, e.g. `order.placed`. */
  readonly type: string;
  /** The TypeBox schema of the event's `data`; a consumer's handler only sees data that matches it. */
  readonly schema: T;
}

/** The type of an event's `data`, from its definition's schema. */
export type EventData<D extends EventDefinition> = Static<D['schema']>;

const TYPE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;

/**
 * Declares an event type in its publisher's contract, checking that the type is dotted lower-case
 * words. The publisher passes it to `events.publish`; consumers to `subscription`.
 *
 * @example
 * ```ts
 * export const InvoiceSent = defineEvent({
 *   source: 'billing',
 *   type: 'billing.invoice.sent',
 *   schema: Type.Object({ id: Type.String(), total: Type.Number() }),
 * });
 * // in a route, in the transaction that writes the invoice:
 * await events.publish(tx, InvoiceSent, { id, total }, { key: id });
 * ```
 */
export function defineEvent<T extends TSchema>(definition: EventDefinition<T>): EventDefinition<T> {
  if (!TYPE.test(definition.type)) {
    throw new Error(
      `defineEvent: type "${definition.type}" must be dotted lower-case words, e.g. "order.placed"`,
    );
  }
  return definition;
}
