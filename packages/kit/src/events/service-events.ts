import type { Database, Queryable } from '../db/index.js';
import { type Logger, SpanKind, type Tracing, traceparentOf } from '../telemetry/index.js';
import type { CloudEvent } from './cloud-event.js';
import type { EventData, EventDefinition } from './event-definition.js';
import { EventDispatcher, type EventDispatcherOptions } from './event-dispatcher.js';
import { messagingAttributes } from './event-spans.js';
import type { EventsMetrics } from './events-metrics.js';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
import { type PublishOptions, writeEvent } from './publish-event.js';
import { type EventHandler, type SubscriptionTarget, subscription } from './subscription.js';
import type { EventTransport } from './transports/event-transport.js';

/** What a service's events are made of; `startService` builds them from the config. */
export interface ServiceEventsOptions {
  /** The service's name: the source of what it publishes, and its consumer name. */
  readonly service: string;
  /** Holds the outbox, the inbox and the dead letters. */
  readonly db: Database;
  /** Carries the events between services (`EVENTS_URL`). */
  readonly transport: EventTransport;
  /** Where publishing and handling problems are logged. */
  readonly logger: Logger;
  /** Published, delivered and dead-lettered counts. */
  readonly metrics?: EventsMetrics;
  /** Spans for the outbox write, the relay's publish and each handling, in the causing trace. */
  readonly tracing?: Tracing;
  /** The outbox relay's batch size and intervals. */
  readonly relay?: Partial<Omit<OutboxRelayOptions, 'db' | 'transport' | 'logger' | 'metrics'>>;
  /** Handler attempts, backoff and redelivery limit; `prefetch` bounds the deliveries in flight. */
  readonly consumer?: Pick<EventDispatcherOptions, 'maxAttempts' | 'backoff' | 'maxDeliveries'> & {
    readonly prefetch?: number;
  };
}

/**
 * One service's events: publish through the outbox, subscribe with the inbox, and the relay and
 * consumers the service runtime starts after listening and stops at shutdown.
 */
export class ServiceEvents {
  /** The transport it publishes and consumes through. */
  readonly transport: EventTransport;
  /** Runs its subscriptions for each delivered event. */
  readonly dispatcher: EventDispatcher;
  /** Sends what was written to the outbox. */
  readonly relay: OutboxRelay;
  readonly #options: ServiceEventsOptions;
  readonly #published = () => this.relay.published();
  #stopConsuming: (() => Promise<void>) | undefined;

  constructor(options: ServiceEventsOptions) {
    this.#options = options;
    this.transport = options.transport;
    this.dispatcher = new EventDispatcher({
      db: options.db,
      service: options.service,
      logger: options.logger,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.tracing ? { tracing: options.tracing } : {}),
      ...options.consumer,
    });
    this.relay = new OutboxRelay({
      db: options.db,
      transport: options.transport,
      logger: options.logger,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.tracing ? { tracing: options.tracing } : {}),
      ...options.relay,
    });
  }

  /** The service's database. */
  get database(): Database {
    return this.#options.db;
  }

  /**
   * Writes the event to the outbox in the caller's transaction (`tx` from `db.transaction`): it is
   * sent once that commits, and never if it rolls back. `key` orders the events of one entity.
   *
   * @example
   * ```ts
   * const order = await db.transaction(async (tx) => {
   *   const placed = await insertOrder(tx, request.body);
   *   await events.publish(tx, OrderPlaced, placed, { key: placed.id });
   *   return placed;
   * });
   * ```
   */
  publish<D extends EventDefinition>(
    tx: Queryable,
    definition: D,
    data: EventData<D>,
    options?: PublishOptions,
  ): Promise<CloudEvent<EventData<D>>> {
    const { tracing } = this.#options;
    // The event carries the trace of the work that caused it, so its consumers continue that trace.
    // The relay is told once the row is committed.
    const write = () =>
      writeEvent(
        tx,
        definition,
        data,
        { ...options, traceparent: options?.traceparent ?? traceparentOf() },
        this.#published,
      );
    if (!tracing) return write();
    return tracing.withSpan(
      `${definition.type} create`,
      {
        kind: SpanKind.PRODUCER,
        attributes: messagingAttributes('create', { type: definition.type }),
      },
      async (span) => {
        const event = await write();
        span.setAttribute('messaging.message.id', event.id);
        return event;
      },
    );
  }

  /**
   * Adds a subscription; call before the service starts consuming (in `routes`). A subscription
   * declared in `defineService({ subscriptions })` is the same, and easier to test.
   */
  subscribe(target: SubscriptionTarget, handler: EventHandler, options: { name?: string } = {}): void {
    if (this.#stopConsuming)
      throw new Error('subscribe: the service is already consuming; subscribe before it starts');
    this.dispatcher.add(subscription(target, handler, options));
  }

  /** Starts receiving the events its subscriptions name; the service runtime calls it after listening. */
  async startConsumers(): Promise<void> {
    const subscriptions = this.dispatcher.subscriptions;
    if (subscriptions.length === 0 || this.#stopConsuming) return;
    this.#stopConsuming = await this.transport.consume(
      {
        service: this.#options.service,
        patterns: subscriptions.flatMap((entry) =>
          entry.patterns.map((pattern) => ({ from: entry.from, pattern })),
        ),
        prefetch: this.#options.consumer?.prefetch ?? 100,
      },
      async (deliveries) => {
        await this.dispatcher.deliverBatch(deliveries);
      },
    );
  }

  /** Stops receiving; deliveries in flight finish first. */
  async stopConsumers(): Promise<void> {
    await this.#stopConsuming?.();
  }
}
