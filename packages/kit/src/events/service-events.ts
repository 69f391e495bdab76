import type { Database, Queryable } from '../db/index.js';
import { type Logger, SpanKind, type Tracing, traceparentOf } from '../telemetry/index.js';
import type { CloudEvent } from './cloud-event.js';
import type { EventData, EventDefinition } from './event-definition.js';
import { EventDispatcher, type EventDispatcherOptions } from './event-dispatcher.js';
import { messagingAttributes } from './event-spans.js';
import type { EventsMetrics } from './events-metrics.js';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
import { type PublishOptions, publishEvent } from './publish-event.js';
import { type EventHandler, type SubscriptionTarget, subscription } from './subscription.js';
import type { EventTransport } from './transports/event-transport.js';

export interface ServiceEventsOptions {
  readonly service: string;
  readonly db: Database;
  readonly transport: EventTransport;
  readonly logger: Logger;
  readonly metrics?: EventsMetrics;
  /** Spans for the outbox write, the relay's publish and each handling, in the causing trace. */
  readonly tracing?: Tracing;
  readonly relay?: Partial<Omit<OutboxRelayOptions, 'db' | 'transport' | 'logger' | 'metrics'>>;
  readonly consumer?: Pick<EventDispatcherOptions, 'maxAttempts' | 'backoff' | 'maxDeliveries'> & {
    readonly prefetch?: number;
  };
}

/**
 * One service's events: publish through the outbox, subscribe with the inbox, and the relay and
 * consumers the service runtime starts after listening and stops at shutdown.
 */
export class ServiceEvents {
  readonly transport: EventTransport;
  readonly dispatcher: EventDispatcher;
  readonly relay: OutboxRelay;
  readonly #options: ServiceEventsOptions;
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

  get database(): Database {
    return this.#options.db;
  }

  /** Writes the event to the outbox in the caller's transaction (`tx` from `db.transaction`). */
  publish<D extends EventDefinition>(
    tx: Queryable,
    definition: D,
    data: EventData<D>,
    options?: PublishOptions,
  ): Promise<CloudEvent<EventData<D>>> {
    const { tracing } = this.#options;
    // The event carries the trace of the work that caused it, so its consumers continue that trace.
    const write = () =>
      publishEvent(tx, definition, data, {
        ...options,
        traceparent: options?.traceparent ?? traceparentOf(),
      });
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

  /** Adds a subscription; call before the service starts consuming. */
  subscribe(target: SubscriptionTarget, handler: EventHandler, options: { name?: string } = {}): void {
    if (this.#stopConsuming)
      throw new Error('subscribe: the service is already consuming; subscribe before it starts');
    this.dispatcher.add(subscription(target, handler, options));
  }

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

  async stopConsumers(): Promise<void> {
    await this.#stopConsuming?.();
  }
}
