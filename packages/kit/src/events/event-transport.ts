import type { CloudEvent } from './cloud-event.js';

/** What a transport hands the consumer for one delivered event. */
export interface Delivery {
  /** The body as received: a CloudEvent in structured JSON, or garbage to dead-letter. */
  readonly body: string;
  /** How many times the transport has delivered this message, this time included (1 = first). */
  readonly deliveryCount: number;
  /** Transport headers, kept with a dead letter. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Takes deliveries that arrived together, in arrival order. Resolves once every one is committed
 * (or dead-lettered): only then may the transport ack them. Rejects when that could not be stored;
 * the transport then gives them all back, and the inbox skips any that had committed.
 */
export type DeliveryHandler = (deliveries: readonly Delivery[]) => Promise<void>;

/** One subscribing service's interest, as the transport needs it to route. */
export interface ConsumerBinding {
  /** The subscribing service: one queue / durable consumer per service. */
  readonly service: string;
  /** Per publisher, the type patterns wanted from it (`*` one segment, final `>` the rest). */
  readonly patterns: readonly { readonly from: string; readonly pattern: string }[];
  /** Unacknowledged deliveries in flight at once. */
  readonly prefetch: number;
}

export type PublishOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * A way to move events from a publisher's relay to subscribers (embedded HTTP, RabbitMQ, NATS
 * JetStream, Apache Kafka). `publish` resolves one outcome per event, in order, only after the
 * transport has taken responsibility for it (confirm, ack, or every subscriber's 2xx).
 */
export interface EventTransport {
  readonly kind: 'embedded' | 'amqp' | 'nats' | 'kafka';
  publish(events: readonly CloudEvent[]): Promise<PublishOutcome[]>;
  /** Starts consuming; resolves to a function that stops taking new deliveries and waits for in-flight ones. */
  consume(binding: ConsumerBinding, handler: DeliveryHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
