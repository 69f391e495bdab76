import type { Queryable } from '../db/index.js';
import type { Logger } from '../telemetry/index.js';
import type { CloudEvent } from './cloud-event.js';
import type { EventDefinition } from './event-definition.js';
import { assertTypePattern } from './type-pattern.js';

/** What a subscription's handler gets beside the event. */
export interface HandlerContext {
  /** The consumer's open transaction: write effects through it, they commit with the inbox row. */
  readonly tx: Queryable;
  /** The service's logger, with the event's id and type. */
  readonly logger: Logger;
  /** 1 for the first attempt of this delivery. */
  readonly attempt: number;
}

/** Handles one event; a throw is retried, then dead-lettered. */
export type EventHandler = (event: CloudEvent, context: HandlerContext) => Promise<void>;

/** A type pattern from one publisher, without a schema (the envelope is still checked). */
export interface EventPattern {
  /** The publishing service. */
  readonly from: string;
  /** A dotted type where `*` stands for one word and a final `>` for the rest, e.g. `order.*`. */
  readonly pattern: string;
}

/** What a subscription listens to: one event type, several from one publisher, or a pattern. */
export type SubscriptionTarget = EventDefinition | readonly EventDefinition[] | EventPattern;

/** One consumer of events in a service, as `subscription` makes it. */
export interface Subscription {
  /** Unique within the service; keys the inbox, so renaming it replays nothing but forgets dedup. */
  readonly name: string;
  /** The publishing service. */
  readonly from: string;
  /** The event types, or type patterns, it receives. */
  readonly patterns: readonly string[];
  /** Schemas of the concrete types subscribed to; data of these types is validated. */
  readonly definitions: ReadonlyMap<string, EventDefinition>;
  /** Runs once per event. */
  readonly handler: EventHandler;
}

/**
 * A consumer of another service's events (or its own): the handler runs once per event, in a
 * transaction committed together with the inbox row that remembers the event was handled. Data of
 * a defined type is checked against its schema first; a handler that keeps failing dead-letters the
 * event. Give it to `defineService({ subscriptions })`.
 *
 * @example
 * ```ts
 * export const chargeOrders = subscription(
 *   OrderPlaced,
 *   async (event, { tx }) => {
 *     const order = event.data as EventData<typeof OrderPlaced>;
 *     await tx.query('insert into charges (order_id, total) values ($1, $2)', [order.id, order.total]);
 *   },
 *   { name: 'charge-orders' },
 * );
 * ```
 */
export function subscription(
  target: SubscriptionTarget,
  handler: EventHandler,
  options: { name?: string } = {},
): Subscription {
  const definitions: readonly EventDefinition[] | undefined = isPattern(target)
    ? undefined
    : Array.isArray(target)
      ? target
      : [target as EventDefinition];
  const patterns = definitions ? definitions.map((d) => d.type) : [(target as EventPattern).pattern];
  const sources = new Set(definitions ? definitions.map((d) => d.source) : [(target as EventPattern).from]);
  if (patterns.length === 0) throw new Error('subscribe: name at least one event type');
  if (sources.size !== 1)
    throw new Error('subscribe: all event types of one subscription come from one publisher');
  for (const pattern of patterns) assertTypePattern(pattern);
  const from = [...sources][0]!;
  return {
    name: options.name ?? `${from}:${patterns.join(',')}`,
    from,
    patterns,
    definitions: new Map((definitions ?? []).map((d) => [d.type, d])),
    handler,
  };
}

function isPattern(target: SubscriptionTarget): target is EventPattern {
  return !Array.isArray(target) && 'pattern' in target;
}
