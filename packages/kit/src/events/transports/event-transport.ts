import type { Database } from '../../db/index.js';
import type { CloudEvent } from '../cloud-event.js';
import type { SubscriberDirectory } from '../subscriber-directory.js';

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

/** One event's fate at `publish`: taken, or not (kept in the outbox and retried). */
export type PublishOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * A way to move events from a publisher's relay to subscribers (embedded HTTP, RabbitMQ, NATS
 * JetStream, Apache Kafka). `publish` resolves one outcome per event, in order, only after the
 * transport has taken responsibility for it (confirm, ack, or every subscriber's 2xx).
 */
export interface EventTransport {
  /** A short, stable name (`amqp`, `kafka`): in logs, errors and the dashboard's markup. */
  readonly kind: string;
  /** The engine's name as people know it (`RabbitMQ`), for the dashboard and `flotilla status`. */
  readonly label: string;
  /** Sends a batch; one outcome per event, in order. */
  publish(events: readonly CloudEvent[]): Promise<PublishOutcome[]>;
  /** Starts consuming; resolves to a function that stops taking new deliveries and waits for in-flight ones. */
  consume(binding: ConsumerBinding, handler: DeliveryHandler): Promise<() => Promise<void>>;
  /**
   * Deletes what the transport kept about events sent longer ago than `retentionMs`; the relay
   * calls it when it prunes its own sent rows. Only transports that keep such records have it.
   */
  prune?(retentionMs: number): Promise<void>;
  /** Closes the connections; consumers must be stopped first. */
  close(): Promise<void>;
}

/** What a transport may need besides its URL. */
export interface TransportContext {
  /** The service's database (the embedded transport records deliveries in it). */
  readonly db: Database;
  /** Who subscribes to what, for a transport that routes without a broker. */
  readonly directory: SubscriberDirectory;
  /** Names exchanges, streams, queues, topics and groups, so several systems can share one broker. */
  readonly namespace: string;
  /** A connection error the transport recovers from by itself, to be logged. */
  readonly onError: (error: Error) => void;
}

/**
 * An engine as the resolver knows it before anything is loaded: its names, where a URL points
 * (shown without credentials), and how to open it. `open` imports the engine's driver, so a
 * process loads only the driver of the engine it uses.
 */
export interface TransportEngine {
  /** The transport's `kind`. */
  readonly kind: string;
  /** The transport's `label`. */
  readonly label: string;
  /** Where the engine runs, for display; `host:port` of the URL unless the engine says otherwise. */
  endpoint?(url: string): string | undefined;
  /** Loads the driver and connects. */
  open(url: string, context: TransportContext): Promise<EventTransport>;
}
