import type { Queryable } from '../db/index.js';
import type { Logger } from '../telemetry/index.js';
import type { CloudEvent } from './cloud-event.js';
import type { EventDefinition } from './event-definition.js';
import { assertTypePattern } from './type-pattern.js';

export interface HandlerContext {
  /** The consumer's open transaction: write effects through it, they commit with the inbox row. */
  readonly tx: Queryable;
  readonly logger: Logger;
  /** 1 for the first attempt of this delivery. */
  readonly attempt: number;
}

export type EventHandler = (event: CloudEvent, context: HandlerContext) => Promise<void>;

/** A type pattern from one publisher, without a schema (the envelope is still checked). */
export interface EventPattern {
  readonly from: string;
  readonly pattern: string;
}

export type SubscriptionTarget = EventDefinition | readonly EventDefinition[] | EventPattern;

export interface Subscription {
  /** Unique within the service; keys the inbox, so renaming it replays nothing but forgets dedup. */
  readonly name: string;
  readonly from: string;
  readonly patterns: readonly string[];
  /** Schemas of the concrete types subscribed to; data of these types is validated. */
  readonly definitions: ReadonlyMap<string, EventDefinition>;
  readonly handler: EventHandler;
}

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
