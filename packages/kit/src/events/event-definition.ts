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
  readonly schema: T;
}

export type EventData<D extends EventDefinition> = Static<D['schema']>;

const TYPE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;

export function defineEvent<T extends TSchema>(definition: EventDefinition<T>): EventDefinition<T> {
  if (!TYPE.test(definition.type)) {
    throw new Error(
      `defineEvent: type "${definition.type}" must be dotted lower-case words, e.g. "order.placed"`,
    );
  }
  return definition;
}
