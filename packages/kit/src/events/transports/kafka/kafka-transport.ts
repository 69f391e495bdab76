import { Admin, type GenericError, ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { timeoutPolicy } from '../../../resilience/index.js';
import type { CloudEvent } from '../../cloud-event.js';
import type { ConsumerBinding, DeliveryHandler, EventTransport, PublishOutcome } from '../event-transport.js';
import { kafkaEngine } from './index.js';
import { consumeAsGroup } from './kafka-consumer.js';
import { toKafkaMessage } from './kafka-message.js';
import type { KafkaTopicSettings } from './kafka-url.js';

export interface KafkaTransportOptions {
  /** `host:port` of each bootstrap broker. */
  readonly brokers: readonly string[];
  /** Topics are `<prefix>.<publisher>`, consumer groups `<prefix>.<service>`. */
  readonly prefix: string;
  readonly topics: KafkaTopicSettings;
  readonly onError: (error: Error) => void;
  /** How long after a consumer instance's last heartbeat its partitions go to the others. */
  readonly sessionTimeoutMs?: number;
  /** Pause before a consumer starts again from the committed offsets, or a failed commit is retried. */
  readonly restartDelayMs?: number;
  /** Longest wait for the broker to acknowledge a publish; the events are then reported not sent. */
  readonly publishTimeoutMs?: number;
}

/**
 * Apache Kafka: one topic per publishing service, created by whichever side comes first with
 * explicit settings (partitions, replication factor, `min.insync.replicas`, retention); the event's
 * key is the record key, so each key stays in one partition and in order. Records follow the
 * CloudEvents Kafka binding in binary mode. Publishes through an idempotent producer with
 * acks=all. One consumer group per subscribing service, offsets committed by hand once a batch is
 * stored, never past a record not yet stored; a batch that could not be stored starts the consumer
 * again from the committed offsets, which delivers it again.
 */
export class KafkaTransport implements EventTransport {
  readonly kind = kafkaEngine.kind;
  readonly label = kafkaEngine.label;
  readonly #options: KafkaTransportOptions;
  readonly #admin: Admin;
  #producer: Producer<string, string, string, string>;
  /**
   * One send at a time: @platformatic/kafka 1.35's idempotent producer numbers overlapping sends
   * to a partition wrongly, so the broker drops records it then acknowledges, or refuses every
   * later send with OUT_OF_ORDER_SEQUENCE_NUMBER. The relay's batches wait here instead.
   */
  #sending: Promise<unknown> = Promise.resolve();
  readonly #topics = new Map<string, Promise<void>>();
  readonly #stops = new Set<() => Promise<void>>();

  private constructor(options: KafkaTransportOptions) {
    this.#options = options;
    const bootstrapBrokers = [...options.brokers];
    this.#admin = new Admin({ clientId: `${options.prefix}-admin`, bootstrapBrokers });
    this.#producer = this.#newProducer();
  }

  #newProducer(): Producer<string, string, string, string> {
    return new Producer({
      clientId: `${this.#options.prefix}-relay`,
      bootstrapBrokers: [...this.#options.brokers],
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
    });
  }

  /** Resolves once a broker answered, so a wrong EVENTS_URL fails the start-up. */
  static async connect(options: KafkaTransportOptions): Promise<KafkaTransport> {
    const transport = new KafkaTransport(options);
    try {
      await transport.#admin.metadata({ topics: [] });
    } catch (error) {
      await transport.close();
      throw new Error(`Kafka unreachable at ${options.brokers.join(',')}: ${(error as Error).message}`);
    }
    return transport;
  }

  #topicOf(publisher: string): string {
    return `${this.#options.prefix}.${publisher}`.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  /** Creates the topic unless it exists; idempotent, so publisher and subscribers may race. */
  #ensureTopic(topic: string): Promise<void> {
    let ready = this.#topics.get(topic);
    if (!ready) {
      ready = (async () => {
        const { partitions, replicationFactor, minInsyncReplicas, retentionMs } = this.#options.topics;
        const replicas =
          replicationFactor ?? Math.min(3, (await this.#admin.metadata({ topics: [] })).brokers.size);
        try {
          await this.#admin.createTopics({
            topics: [topic],
            partitions,
            replicas,
            configs: [
              { name: 'min.insync.replicas', value: String(minInsyncReplicas ?? Math.ceil(replicas / 2)) },
              { name: 'retention.ms', value: String(retentionMs) },
            ],
          });
        } catch (error) {
          if (!(error as GenericError).findBy?.('apiId', 'TOPIC_ALREADY_EXISTS')) throw error;
        }
      })();
      ready.catch(() => {
        if (this.#topics.get(topic) === ready) this.#topics.delete(topic);
      });
      this.#topics.set(topic, ready);
    }
    return ready;
  }

  async publish(events: readonly CloudEvent[]): Promise<PublishOutcome[]> {
    const topics = events.map((event) => this.#topicOf(event.source.replace(/^\//, '')));
    try {
      await Promise.all([...new Set(topics)].map((topic) => this.#ensureTopic(topic)));
    } catch (error) {
      return events.map(() => ({ ok: false, error: `Kafka topic unavailable: ${(error as Error).message}` }));
    }
    const messages = events.map((event, index) => {
      const { key, value, headers } = toKafkaMessage(event);
      return { topic: topics[index]!, value, headers, ...(key === undefined ? {} : { key }) };
    });
    const sent = this.#sending.then(() => this.#send(messages));
    this.#sending = sent;
    const error = await sent;
    if (error === undefined) return events.map(() => ({ ok: true }));
    // The client waits for ever on a topic deleted since it was created here: create it anew next time.
    for (const topic of topics) this.#topics.delete(topic);
    return events.map(() => ({ ok: false, error: `not acknowledged by Kafka: ${error.message}` }));
  }

  /** Sends one batch (one request per partition leader, so a key's records stay in order). */
  async #send(messages: Parameters<Producer<string, string, string, string>['send']>[0]['messages']) {
    try {
      await timeoutPolicy(this.#options.publishTimeoutMs ?? 30_000).execute(() =>
        this.#producer.send({ messages }),
      );
      return undefined;
    } catch (error) {
      // A producer whose send failed or timed out may still have that send in flight, or its
      // sequence numbers out of step with the broker's: a new one (a new producer id) starts clean.
      const failed = this.#producer;
      this.#producer = this.#newProducer();
      failed.close().catch(() => {});
      return error as Error;
    }
  }

  async consume(binding: ConsumerBinding, handler: DeliveryHandler): Promise<() => Promise<void>> {
    const wanted = new Map<string, string[]>();
    for (const { from, pattern } of binding.patterns) {
      const topic = this.#topicOf(from);
      wanted.set(topic, [...(wanted.get(topic) ?? []), pattern]);
    }
    // A subscriber may start before any publisher: its topics must exist to be consumed.
    await Promise.all([...wanted.keys()].map((topic) => this.#ensureTopic(topic)));

    const stop = await consumeAsGroup(this.#options, binding, wanted, handler);
    this.#stops.add(stop);
    return async () => {
      this.#stops.delete(stop);
      await stop();
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#stops].map((stop) => stop()));
    await Promise.all(
      [this.#producer.close(), this.#admin.close()].map((closing) => closing.catch(() => {})),
    );
  }
}
