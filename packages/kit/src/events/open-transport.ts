import type { Database } from '../db/index.js';
import { EmbeddedTransport } from './embedded-transport.js';
import type { EventTransport } from './event-transport.js';
import { parseKafkaUrl } from './kafka-url.js';
import type { SubscriberDirectory } from './subscriber-directory.js';

export interface OpenTransportOptions {
  /**
   * `amqp://`/`amqps://` → RabbitMQ, `nats://` → NATS JetStream, `kafka://` → Apache Kafka,
   * empty → embedded.
   */
  readonly url?: string | undefined;
  readonly db: Database;
  readonly directory: SubscriberDirectory;
  /** Names exchanges, streams, queues, topics and groups, so several systems can share one broker. */
  readonly namespace?: string;
  readonly onError?: (error: Error) => void;
}

/** Opens the transport `url` selects; only that engine's driver is loaded. */
export async function openTransport(options: OpenTransportOptions): Promise<EventTransport> {
  const { url, db, directory, namespace = 'flotilla', onError = () => {} } = options;
  if (!url) return new EmbeddedTransport({ db, directory });
  const scheme = url.slice(0, url.indexOf(':') + 1);
  if (scheme === 'amqp:' || scheme === 'amqps:') {
    const { AmqpTransport } = await import('./amqp-transport.js');
    return AmqpTransport.connect({ url, exchange: `${namespace}.events`, onError });
  }
  if (scheme === 'nats:') {
    const { NatsTransport } = await import('./nats-transport.js');
    return NatsTransport.connect({ url, prefix: namespace, onError });
  }
  if (scheme === 'kafka:') {
    const { KafkaTransport } = await import('./kafka-transport.js');
    return KafkaTransport.connect({ ...parseKafkaUrl(url), prefix: namespace, onError });
  }
  throw new Error(
    `Unsupported EVENTS_URL scheme "${scheme || url}": use amqp://, amqps://, nats:// or kafka://`,
  );
}
